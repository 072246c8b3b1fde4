"""A stand-in for `python -m llama_cpp.server` in unit tests: same options, scripted misbehaviour.

`python -m models.fake_llama_server --behaviour segv --port P …` lists a model like the real server, then
on the first completion: `segv` kills itself with SIGSEGV (what an AMX build did on batched prompts),
`late_segv` answers, then dies of SIGSEGV, `http500` answers 500, `empty` answers with no tokens, `ok`
answers a two-token completion. Options the real server takes (--model, --n_ctx…) are accepted and ignored.
"""

from __future__ import annotations

import argparse
import json
import signal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BEHAVIOURS = ("segv", "late_segv", "http500", "empty", "ok")


def _handler(alias: str, behaviour: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:  # keep test output clean
            return

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._json(200, {"object": "list", "data": [{"id": alias, "object": "model"}]})
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if behaviour == "segv":
                signal.raise_signal(signal.SIGSEGV)  # on this thread, now: no answer gets out first
            if behaviour == "http500":
                self._json(500, {"error": {"message": "internal"}})
                return
            tokens = 0 if behaviour == "empty" else 2
            self._json(
                200,
                {
                    "id": "cmpl-fake",
                    "object": "chat.completion",
                    "model": alias,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "OK" if tokens else ""},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 30, "completion_tokens": tokens, "total_tokens": 30 + tokens},
                },
            )
            if behaviour == "late_segv":
                self.wfile.flush()
                signal.raise_signal(signal.SIGSEGV)

    return Handler


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--behaviour", choices=BEHAVIOURS, default="ok")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model_alias", default="fake")
    args, _ignored = parser.parse_known_args()
    server = ThreadingHTTPServer((args.host, args.port), _handler(args.model_alias, args.behaviour))
    server.serve_forever()


if __name__ == "__main__":
    main()
