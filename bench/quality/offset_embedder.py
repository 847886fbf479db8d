#!/usr/bin/env python3
"""An OpenAI-compatible embeddings server whose unrelated texts have cosine similarity about --offset.

For checking that memoryd's scores stay calibrated with a model whose similarities sit in another
range than the builtin embedder's (as text-embedding-ada-002, where unrelated texts score ~0.7).

Embedding (deterministic, no model): signed feature hashing into --dimension (256) slots of the
lowercased word tokens ([a-z0-9]+), each through a tiny suffix stripper (-ing, -ed, -es, -s), weight
1, plus the character 3-grams of each stemmed word with boundary marks ("<cat>": "<ca", "cat", "at>"),
1/sqrt(count) each so a word's 3-grams weigh as much as the word; L2-normalised to `a`. Then a fixed
common direction `u` (a unit vector drawn from --seed) is added: v = normalize(a + c*u) with
c = sqrt(offset / (1 - offset)). For unrelated a, b (a.b ~ 0, a.u ~ 0) cos(v_a, v_b) ~ c^2 / (1 + c^2)
= offset; in general cos(v_a, v_b) ~ offset + (1 - offset) * a.b, so the order of similarities is
kept and only their range moves. --offset 0 is the plain hashing embedder.

    python3 bench/quality/offset_embedder.py --offset 0.7          # prints http://127.0.0.1:PORT/v1
    python3 bench/quality/offset_embedder.py --offset 0.7 --self-test

Serves POST /v1/embeddings (also /embeddings) with {"model": ..., "input": str | [str]} and answers
{"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [...]}], "model": ...,
"usage": {...}}; a malformed request gets 400 with {"error": {"message": ...}}. "encoding_format"
other than "float" and a "dimensions" other than --dimension are refused (400). GET /v1/models
lists the one model. Binds 127.0.0.1 on --port (0: a free one) and prints its base URL on the first
line of stdout; stops on SIGTERM or SIGINT. Python 3 standard library only.
"""

import argparse
import hashlib
import json
import math
import random
import re
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORD = re.compile(r"[a-z0-9]+")
MAX_BODY = 64 << 20  # bytes of one request body
MAX_INPUTS = 2048    # texts in one request, as OpenAI


def stem(word):
    """The tiny suffix stripper: one of -ing, -ed, -es, -s, keeping at least three letters."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[:-len(suffix)]
    return word


def features(text):
    """[(feature, weight)]: stemmed words (weight 1) and their character 3-grams (1/sqrt(n) each)."""
    out = []
    for word in WORD.findall(text.lower()):
        s = stem(word)
        out.append(("w:" + s, 1.0))
        marked = f"<{s}>"
        grams = [marked[i:i + 3] for i in range(len(marked) - 2)]
        out += [("g:" + g, 1.0 / math.sqrt(len(grams))) for g in grams]
    return out


def normalize(v):
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v] if norm > 0 else None


class OffsetEmbedder:
    """The embedding function; thread-safe (immutable after construction)."""

    def __init__(self, offset=0.7, dimension=256, seed=20240607):
        if not 0 <= offset < 1:
            raise ValueError("offset must be in [0, 1)")
        if dimension < 2:
            raise ValueError("dimension must be at least 2")
        self.offset, self.dimension = offset, dimension
        self.c = math.sqrt(offset / (1 - offset))
        rng = random.Random(seed)
        self.u = normalize([rng.gauss(0.0, 1.0) for _ in range(dimension)])

    def hashed(self, text):
        """The plain hashing embedding `a` (unit length; `u` for a text without any word)."""
        v = [0.0] * self.dimension
        for feature, weight in features(text):
            h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
            v[h % self.dimension] += weight if (h >> 63) & 1 else -weight
        return normalize(v) or list(self.u)

    def embed(self, text):
        a = self.hashed(text)
        if self.c == 0:
            return a
        return normalize([x + self.c * y for x, y in zip(a, self.u)])


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b))  # both are unit vectors


# ---------------------------------------------------------------------------- server
class ApiError(Exception):
    pass


def make_handler(embedder, model_name):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as memoryd's client expects
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path.split("?")[0].rstrip("/") in ("/v1/models", "/models"):
                self._send(200, {"object": "list", "data": [{"id": model_name, "object": "model"}]})
            else:
                self._send(404, {"error": {"message": f"no route GET {self.path}"}})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                self._send(413, {"error": {"message": "request body too large"}})
                return
            body = self.rfile.read(length) if length > 0 else b""
            if self.path.split("?")[0].rstrip("/") not in ("/v1/embeddings", "/embeddings"):
                self._send(404, {"error": {"message": f"no route POST {self.path}"}})
                return
            try:
                texts, model = self._parse(body)
            except ApiError as e:
                self._send(400, {"error": {"message": str(e), "type": "invalid_request_error"}})
                return
            data = [{"object": "embedding", "index": i, "embedding": embedder.embed(t)}
                    for i, t in enumerate(texts)]
            self._send(200, {"object": "list", "data": data, "model": model,
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})

        def _parse(self, body):
            try:
                request = json.loads(body or b"null")
            except (ValueError, UnicodeDecodeError) as e:
                raise ApiError(f"malformed JSON: {e}") from None
            if not isinstance(request, dict):
                raise ApiError("the body must be a JSON object")
            texts = request.get("input")
            if isinstance(texts, str):
                texts = [texts]
            if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
                raise ApiError("\"input\" must be a string or a non-empty array of strings")
            if len(texts) > MAX_INPUTS:
                raise ApiError(f"at most {MAX_INPUTS} inputs per request")
            if request.get("encoding_format", "float") != "float":
                raise ApiError("only encoding_format \"float\" is supported")
            if request.get("dimensions", embedder.dimension) != embedder.dimension:
                raise ApiError(f"this model has dimension {embedder.dimension} only")
            return texts, request.get("model") or model_name

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

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(embedder, port, model_name):
    server = Server(("127.0.0.1", port), make_handler(embedder, model_name))

    def on_signal(signum, frame):  # leaves serve_forever at once (requests run on daemon threads)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


# ---------------------------------------------------------------------------- self-test
UNRELATED = [
    "The plumber fixed the leaking kitchen tap on Tuesday morning.",
    "My daughter starts violin lessons at the community centre in September.",
    "Quarterly revenue figures are due to the finance director by Friday.",
    "The greyhound sleeps on an old blanket next to the radiator.",
    "We flew to Lisbon for a long weekend and ate grilled sardines.",
    "The laptop battery only lasts about two hours now.",
    "Remember to renew the car insurance before the end of March.",
    "Grandad grew enormous runner beans on his allotment every summer.",
    "The dentist said I need a filling in a lower molar.",
    "Our book club is reading a Russian novel this month.",
    "The router in the hallway drops the wifi connection at night.",
    "I ran a half marathon in Sheffield in under two hours.",
    "The council collects recycling bins every other Thursday.",
    "My manager wants the migration plan reviewed by the architecture group.",
    "Thunderstorms knocked out the power across the valley.",
    "She knitted a green scarf for her brother's birthday.",
    "Penicillin gives me a rash, so doctors prescribe something else.",
    "The mortgage rate is fixed for five years at four percent.",
    "Volcanic ash grounded flights across northern Europe.",
    "A chess engine can beat any human grandmaster today.",
    "The museum's dinosaur skeleton was cast from a single fossil.",
    "Sourdough needs a starter that is fed flour and water daily.",
]
PARAPHRASES = [
    ("My sister lives in Lisbon with her two cats.", "My sister is living in Lisbon and has two cats."),
    ("The boiler was replaced in January by a plumber.", "A plumber replaced our boiler in January."),
    ("I take blood pressure tablets every morning.", "Every morning I am taking tablets for my blood pressure."),
    ("Our wifi password is written on the router.", "The router has the wifi password written on it."),
    ("We booked a cottage in Cornwall for the summer holidays.",
     "For the summer holiday we have booked a Cornwall cottage."),
]


def self_test(embedder):
    vectors = [embedder.embed(t) for t in UNRELATED]
    pairs = [(i, i + 1) for i in range(0, 20)]  # 20 pairs of different, unrelated sentences
    unrelated = [cosine(vectors[i], vectors[j]) for i, j in pairs]
    para = [cosine(embedder.embed(a), embedder.embed(b)) for a, b in PARAPHRASES]
    plain = [cosine(embedder.hashed(UNRELATED[i]), embedder.hashed(UNRELATED[j])) for i, j in pairs]
    print(f"offset {embedder.offset} (c = {embedder.c:.4f}), dimension {embedder.dimension}")
    print(f"unrelated pairs:  n {len(unrelated):>2}  mean cosine {sum(unrelated) / len(unrelated):.4f}"
          f"  (min {min(unrelated):.4f}, max {max(unrelated):.4f}; without u: mean {sum(plain) / len(plain):.4f})")
    print(f"paraphrase pairs: n {len(para):>2}  mean cosine {sum(para) / len(para):.4f}"
          f"  (min {min(para):.4f}, max {max(para):.4f})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offset", type=float, default=0.7,
                    help="typical cosine of unrelated texts, in [0, 1) (default 0.7; 0 = plain hashing)")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free one)")
    ap.add_argument("--dimension", type=int, default=256, help="vector dimension (default 256)")
    ap.add_argument("--seed", type=int, default=20240607, help="seed of the common direction u")
    ap.add_argument("--model", default="offset-hash", help="model name reported when a request names none")
    ap.add_argument("--self-test", action="store_true",
                    help="print the mean cosine of 20 unrelated and 5 paraphrase pairs, then exit")
    args = ap.parse_args(argv)
    try:
        embedder = OffsetEmbedder(args.offset, args.dimension, args.seed)
    except ValueError as e:
        ap.error(str(e))
    if args.self_test:
        self_test(embedder)
        return 0
    serve(embedder, args.port, args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
