"""``lamm-bench serve``: the leaderboard folder over HTTP on 127.0.0.1 only (the pages need no server; this is for
browsers or setups that restrict ``file://``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lamm_bench.errors import UserError


def serve_folder(folder: Path, port: int, announce: Callable[[str], None] = print) -> None:
    """Serve ``folder`` on ``127.0.0.1:port`` until interrupted."""
    import functools
    import http.server

    folder = Path(folder)
    if not (folder / "index.html").is_file():
        raise UserError(f"serve: {folder / 'index.html'} does not exist (run `lamm-bench leaderboard --out {folder}`)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UserError(f"serve: cannot listen on 127.0.0.1:{port} ({exc.strerror or exc})") from None
    with server:
        announce(f"serving {folder} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
