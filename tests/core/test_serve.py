"""``lamm-bench serve`` answers only what lies inside its folder, only to requests addressed to it by a loopback name
(issue 23): a symlink out of the folder is 404, a foreign ``Host`` (DNS rebinding) is 403."""

from __future__ import annotations

import http.client
import threading

import pytest

from lamm_bench.serve import make_server


@pytest.fixture
def served(tmp_path):
    """A leaderboard-like folder with symlinks in and out of it, served on a free port; yields (folder, port)."""
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "secret.txt").write_text("private")
    folder = tmp_path / "lb"
    (folder / "predictions").mkdir(parents=True)
    (folder / "index.html").write_text("<html>leaderboard</html>")
    (folder / "predictions/page.html").write_text("page")
    (folder / "leak.txt").symlink_to(secret / "secret.txt")
    (folder / "leakdir").symlink_to(secret, target_is_directory=True)
    (folder / "alias.html").symlink_to(folder / "predictions/page.html")  # inside: served
    server = make_server(folder, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _get(port: int, path: str, host: str | None = None, method: str = "GET") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_files_inside_the_folder_are_served_to_loopback_names(served):
    _, port = served
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert _get(port, "/index.html", host) == (200, b"<html>leaderboard</html>")
    assert _get(port, "/alias.html", f"127.0.0.1:{port}") == (200, b"page")
    assert _get(port, "/predictions/page.html", f"localhost:{port}", "HEAD")[0] == 200


@pytest.mark.parametrize("path", ["/leak.txt", "/leakdir/secret.txt", "/leakdir/", "/%2e%2e/outside/secret.txt"])
def test_a_path_that_resolves_outside_the_folder_is_404(served, path):
    _, port = served
    status, body = _get(port, path, f"127.0.0.1:{port}")
    assert status == 404 and b"private" not in body and b"secret" not in body


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1", "localhost", None, ""])
def test_a_request_for_another_host_is_403(served, host):
    _, port = served
    status, body = _get(port, "/index.html", host.format(port=port) if host is not None else None)
    assert status == 403 and b"leaderboard" not in body
    assert _get(port, "/index.html", f"evil.example:{port}", "HEAD")[0] == 403
