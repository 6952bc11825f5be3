"""A small OpenAI-compatible chat-completions server for the ``openai`` adapter tests (loopback only).

Run as a script: it binds 127.0.0.1 on a free port, writes the port to ``--port-file`` and serves until killed.
The requested ``model`` picks a behaviour: ``echo`` answers with a summary of what it received, ``ranker`` answers
like a pairwise judge that prefers assistant B (``2 1`` then an explanation), ``flaky`` answers
429 (``Retry-After: 0``) to the first attempt of each distinct user text and then succeeds, ``down`` always
answers 500, ``grader`` answers like ChEF's language-performance judge (``[Overall Score] <seed + 4>``, except
for seed 5, whose verdict has no score, and a 500 to the first attempt of each request at seed 0), ``leaky``
answers 400 with the request's ``Authorization`` header in its message. ``GET /stats``
reports the largest number of requests in flight at once, attempts per user text, whether the ``Authorization``
header matched ``$FAKE_EXPECTED_KEY`` (counts only; the header is stored nowhere else) and the received bodies.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LOCK = threading.Lock()
STATE = {"in_flight": 0, "max_in_flight": 0, "attempts": {}, "auth_ok": 0, "auth_bad": 0, "bodies": [], "graded": 0}


class Handler(BaseHTTPRequestHandler):
    delay = 0.05

    def log_message(self, format, *args):  # noqa: A002 -- silence per-request logging
        pass

    def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        expected = os.environ.get("FAKE_EXPECTED_KEY")
        return expected is None or self.headers.get("Authorization") == f"Bearer {expected}"

    def do_GET(self):  # noqa: N802
        if self.path == "/stats":
            with LOCK:
                self._send(200, STATE)
        elif self.path == "/v1/models":
            if not self._authorized():
                self._send(401, {"error": {"message": "Incorrect API key provided"}})
            else:
                self._send(200, {"object": "list", "data": [{"id": m} for m in ("echo", "ranker", "flaky", "down", "grader")]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        text = next(p["text"] for p in body["messages"][-1 if body["messages"][-1]["role"] == "user" else -2]["content"]
                    if p["type"] == "text")
        with LOCK:
            STATE["in_flight"] += 1
            STATE["max_in_flight"] = max(STATE["max_in_flight"], STATE["in_flight"])
            STATE["attempts"][text] = attempt = STATE["attempts"].get(text, 0) + 1
            STATE["auth_ok" if self._authorized() else "auth_bad"] += 1
            STATE["bodies"].append(body)
        try:
            time.sleep(self.delay)
            if body["model"] == "down":
                self._send(500, {"error": {"message": "the model crashed"}})
            elif body["model"] == "leaky":  # a server that echoes the request's credentials in its error
                self._send(400, {"error": {"message": f"bad header {self.headers.get('Authorization')}"}})
            elif body["model"] == "ranker":
                self._send(200, {"choices": [{"index": 0, "message": {"role": "assistant",
                                                                      "content": "2 1\nAssistant B is closer."}}]})
            elif body["model"] == "grader":
                self._grade(body, text)
            elif body["model"] == "flaky" and attempt == 1:
                self._send(429, {"error": {"message": "rate limited"}}, {"Retry-After": "0"})
            else:
                n_images = sum(p["type"] == "image_url" for m in body["messages"] if m["role"] == "user"
                               for p in m["content"])
                answer = f"echo[{text}] images={n_images}###ignored after the stop string"
                self._send(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}],
                                 "usage": {"completion_tokens": 7}})
        finally:
            with LOCK:
                STATE["in_flight"] -= 1


    def _grade(self, body: dict, text: str) -> None:
        seed = body.get("seed", 0)
        with LOCK:
            first = STATE["bodies"].count(body) == 1  # this very request (text and seed) was not asked before
            STATE["graded"] += 1
        if seed == 0 and first:
            self._send(500, {"error": {"message": "overloaded"}})
            return
        verdict = "[Explanation] No score today." if seed == 5 else f"[Explanation] Fine.\n[Overall Score] {seed + 4}"
        self._send(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": verdict}}]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    Handler.delay = args.delay
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    staging = Path(args.port_file + ".tmp")
    staging.write_text(str(server.server_address[1]))
    os.replace(staging, args.port_file)  # the test polls for the file: it must never see it half-written
    server.serve_forever()


if __name__ == "__main__":
    main()
