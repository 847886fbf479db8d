"""A local OpenAI-compatible embeddings endpoint whose behaviour a test switches at will.

Modes: "healthy" (answers at once), "slow" (answers after `delay` seconds), "hang" (accepts
the request and never answers while the mode lasts), "error" (HTTP 500), and a healthy answer
of another dimension (set `dimension`). `refuse()` closes the listening socket, so connections
are refused; `accept()` listens again on the same port. Vectors are bags of hashed words, so
texts that share words are close, as with a real model.

Everything is bounded: a hanging request gives up after HANG_LIMIT seconds, and close() ends
every request in flight at once.
"""

import hashlib
import json
import math
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_LIMIT = 120.0
WORD = re.compile(r"[a-z0-9]+")


def vector_for(text, dimension):
    v = [0.0] * dimension
    v[0] = 0.05  # never the zero vector
    for word in WORD.findall(text.lower()):
        h = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
        v[h % dimension] += 1.0 if (h >> 31) & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]


class FakeEmbedder:
    def __init__(self, dimension=32):
        self.dimension = dimension
        self.mode = "healthy"
        self.delay = 2.0
        self.requests = 0
        self.texts = 0
        self.closing = threading.Event()
        self._lock = threading.Lock()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._server = None
        self._thread = None
        self._connections = set()
        self.accept()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def set_mode(self, mode, delay=None, dimension=None):
        with self._lock:
            self.mode = mode
            if delay is not None:
                self.delay = delay
            if dimension is not None:
                self.dimension = dimension

    def accept(self):
        if self._server is not None:
            return
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once, as from a real server

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with owner._lock:
                    owner._connections.add(self.connection)

            def finish(self):
                with owner._lock:
                    owner._connections.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                texts = body.get("input", [])
                if isinstance(texts, str):
                    texts = [texts]
                with owner._lock:
                    owner.requests += 1
                    owner.texts += len(texts)
                    mode, delay, dimension = owner.mode, owner.delay, owner.dimension
                if mode == "hang":
                    end = time.monotonic() + HANG_LIMIT
                    while owner.mode == "hang" and time.monotonic() < end:
                        if owner.closing.wait(0.05):
                            return
                    mode, dimension = owner.mode, owner.dimension
                if mode == "slow" and owner.closing.wait(delay):
                    return
                if mode == "error":
                    self._send(500, {"error": {"message": "model crashed"}})
                    return
                data = [{"object": "embedding", "index": i, "embedding": vector_for(t, dimension)}
                        for i, t in enumerate(texts)]
                self._send(200, {"object": "list", "data": data, "model": body.get("model", "")})

            def _send(self, status, obj):
                payload = json.dumps(obj).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def refuse(self):
        """Closes the listening socket and every open connection (kept-alive ones included)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None
        with self._lock:
            connections = list(self._connections)
        for c in connections:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closing.set()
        self.refuse()


def main():
    """Serves until killed or --max-seconds pass; prints its base URL on the first line."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="healthy", choices=["healthy", "slow", "hang", "error"])
    parser.add_argument("--delay", type=float, default=2.0)
    parser.add_argument("--dimension", type=int, default=64)
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    args = parser.parse_args()
    fake = FakeEmbedder(dimension=args.dimension)
    fake.set_mode(args.mode, delay=args.delay)
    print(fake.url, flush=True)
    try:
        fake.closing.wait(args.max_seconds)
    except KeyboardInterrupt:
        pass
    fake.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
