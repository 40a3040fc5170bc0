"""Dynamic batching: concurrent requests of one shape are merged into one
engine run (up to max_batch, within batch_delay_us) and each client gets the
same answer as when its request runs alone (`segrt run`); requests of another
shape are not merged with them. Usage: batching_test.py SEGRT"""
import http.client
import json
import os
import re
import sys
import tempfile
import threading

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from serve_util import Server, check, make_repository, segrt_run, skip_unless_served

SEGRT = sys.argv[1]


def infer(port, x):
    raw = x.tobytes()
    head = json.dumps({"inputs": [{"name": "image", "shape": list(x.shape), "datatype": "FP32",
                                   "parameters": {"binary_data_size": len(raw)}}],
                       "parameters": {"binary_data_output": True}}).encode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", "/v2/models/membrane/infer", head + raw, {"Inference-Header-Content-Length": str(len(head))})
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"{r.status} {body[:200]!r}")
    n = int(r.getheader("Inference-Header-Content-Length"))
    out = json.loads(body[:n])["outputs"][0]
    return np.frombuffer(body[n:], dtype=np.float32).reshape(out["shape"])


def metric(text, name):
    m = re.search(r"^" + re.escape(name) + r'\{model="membrane"\} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def main():
    skip_unless_served(SEGRT)
    tmp = tempfile.mkdtemp()
    # A long delay so that the concurrent requests below surely meet in the queue.
    repo = make_repository(tmp, serving={"max_batch": 8, "batch_delay_us": 400000, "instances": 1})
    rng = np.random.default_rng(3)
    xs = [rng.random((1, 1, 32, 48), dtype=np.float32) for _ in range(8)]
    ys = [rng.random((1, 1, 16, 16), dtype=np.float32) for _ in range(3)]
    want = [segrt_run(SEGRT, tmp, x, f"x{i}") for i, x in enumerate(xs)]
    want_y = [segrt_run(SEGRT, tmp, y, f"y{i}") for i, y in enumerate(ys)]
    srv = Server(SEGRT, repo)
    try:
        # Warm up both shapes at every batch size the test can produce is not
        # needed: the answers are compared, not the timing.
        got, got_y, errors = [None] * len(xs), [None] * len(ys), []

        def run(i, arr, dst):
            try:
                dst[i] = infer(srv.http_port, arr)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=run, args=(i, x, got)) for i, x in enumerate(xs)]
        threads += [threading.Thread(target=run, args=(i, y, got_y)) for i, y in enumerate(ys)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(not errors, "all concurrent requests answered " + " ".join(errors))
        worst = 0.0
        for g, w in zip(got + got_y, want + want_y):
            check(g.shape == w.shape, f"answer shape {g.shape}")
            worst = max(worst, float(np.abs(g - w).max()))
        # The CPU backend may choose other kernels for another batch size: allow rounding, nothing more.
        check(worst < 1e-5, f"merged answers equal the single runs (max |diff| {worst:.3g})")
        c = http.client.HTTPConnection("127.0.0.1", srv.http_port)
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        runs = metric(text, "segrt_batch_requests_count")
        merged = metric(text, "segrt_batch_requests_sum")
        items = metric(text, "segrt_batch_items_total")
        print(f"engine runs {runs:.0f} for {merged:.0f} requests ({items:.0f} items)")
        check(merged == len(xs) + len(ys), "every request counted once")
        check(runs <= 4, f"requests were merged: {runs:.0f} engine runs for {merged:.0f} requests (<= 4)")
        check(runs >= 2, "the two shapes were not merged together")
    finally:
        srv.stop()
    print("PASS")


if __name__ == "__main__":
    main()
