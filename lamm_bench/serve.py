"""``lamm-bench serve``: the leaderboard folder over HTTP on 127.0.0.1 only (the pages need no server; this is for
browsers or setups that restrict ``file://``).

Only what lies inside the folder is served: a path that leaves it -- ``..`` in any encoding, or a symlink whose
target is outside -- is 404. A request whose ``Host`` header is not ``127.0.0.1:PORT`` or ``localhost:PORT`` is
403, so a web page that rebinds its own domain name to 127.0.0.1 (DNS rebinding) cannot read the leaderboard.
"""

from __future__ import annotations

import http.server
from collections.abc import Callable
from pathlib import Path

from lamm_bench.errors import UserError


class FolderHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files of one folder (``directory``) to requests addressed to this loopback server by name."""

    def _host_allowed(self) -> bool:
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        return host in {f"127.0.0.1:{port}", f"localhost:{port}"} or (port == 80 and host in ("127.0.0.1", "localhost"))

    def _inside(self) -> bool:
        root = Path(self.directory).resolve()
        target = Path(self.translate_path(self.path)).resolve()
        return target == root or root in target.parents

    def send_head(self):
        """Refuse a foreign ``Host`` (403) and a path that resolves outside the folder (404), then serve as usual."""
        if not self._host_allowed():
            self.send_error(403, "Host not allowed: this server answers only 127.0.0.1 and localhost")
            return None
        if not self._inside():
            self.send_error(404, "File not found")
            return None
        return super().send_head()


def make_server(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A server for ``folder`` bound to ``127.0.0.1:port`` (0: any free port), not started yet."""
    folder = Path(folder)
    if not (folder / "index.html").is_file():
        raise UserError(f"serve: {folder / 'index.html'} does not exist (run `lamm-bench leaderboard --out {folder}`)")

    def handler(*args, **kwargs) -> FolderHandler:
        return FolderHandler(*args, directory=str(folder), **kwargs)

    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UserError(f"serve: cannot listen on 127.0.0.1:{port} ({exc.strerror or exc})") from None


def serve_folder(folder: Path, port: int, announce: Callable[[str], None] = print) -> None:
    """Serve ``folder`` on ``127.0.0.1:port`` until interrupted."""
    server = make_server(folder, port)
    with server:
        announce(f"serving {folder} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
