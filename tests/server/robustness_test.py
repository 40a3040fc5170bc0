"""segrt serve under load: N requests (SEGRT_SERVE_ROBUST_N, default 20000)
from 32 concurrent keep-alive clients, 10% of them malformed in assorted ways;
no crash, every valid request answered correctly, every malformed one refused
with a 4xx, resident memory growth under 5% after warm-up. Then SIGTERM in the
middle of a second load: every request the server accepted is answered (the
server's count of answers equals the clients'), the rest are refused cleanly.
Usage: robustness_test.py SEGRT"""
import http.client
import json
import os
import random
import re
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from serve_util import Server, check, fail, make_repository, segrt_run, skip_unless_served

SEGRT = sys.argv[1]
CLIENTS = 32
TOTAL = int(os.environ.get("SEGRT_SERVE_ROBUST_N", "20000"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def binary_body(x, name="image", datatype="FP32", cut=0):
    raw = x.tobytes()
    head = json.dumps({"inputs": [{"name": name, "shape": list(x.shape), "datatype": datatype,
                                   "parameters": {"binary_data_size": len(raw)}}],
                       "parameters": {"binary_data_output": True}}).encode()
    return head + raw[:len(raw) - cut], {"Inference-Header-Content-Length": str(len(head))}


def malformed(rng, x):
    """A bad request of one of several kinds: (path, body, headers)."""
    kind = rng.randrange(7)
    path = "/v2/models/membrane/infer"
    if kind == 0:
        return path, b'{"inputs": [{"name": "image", "shape": [1, 1', {}
    if kind == 1:
        return path, *binary_body(x.astype(np.float64), datatype="FP64")
    if kind == 2:
        return path, *binary_body(x.reshape(1, 16, 16))
    if kind == 3:
        return path, *binary_body(x, cut=4)
    if kind == 4:
        return "/v2/models/nosuch/infer", *binary_body(x)
    if kind == 5:
        return path, bytes(rng.getrandbits(8) for _ in range(64)), {"Inference-Header-Content-Length": "12"}
    return path, json.dumps({"inputs": [{"name": "image", "shape": [1, 1, 16, 16], "datatype": "FP32",
                                         "data": ["a"] * 256}]}).encode(), {}


class Load:
    """CLIENTS threads sending `total` requests; counts outcomes."""

    def __init__(self, port, xs, want, total, stop_on_refusal=False):
        self.port, self.xs, self.want, self.total = port, xs, want, total
        self.lock = threading.Lock()
        self.next = 0
        self.ok = self.bad_refused = self.refused = self.conn_errors = 0
        self.failures = []
        self.stop_on_refusal = stop_on_refusal

    def take(self):
        with self.lock:
            if self.next >= self.total:
                return None
            self.next += 1
            return self.next

    def client(self, seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        while (n := self.take()) is not None:
            k = rng.randrange(len(self.xs))
            bad = rng.random() < 0.10
            path, body, headers = malformed(rng, self.xs[k]) if bad else ("/v2/models/membrane/infer",
                                                                           *binary_body(self.xs[k]))
            try:
                conn.request("POST", path, body, headers)
                r = conn.getresponse()
                data = r.read()
                status = r.status
                if r.getheader("Connection") == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            except (ConnectionError, http.client.HTTPException, OSError):
                # Refused or reset before an answer: the server had not accepted it.
                with self.lock:
                    self.conn_errors += 1
                conn.close()
                if self.stop_on_refusal:
                    return
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                continue
            with self.lock:
                if status == 503:
                    self.refused += 1
                elif bad:
                    if 400 <= status < 500:
                        self.bad_refused += 1
                    else:
                        self.failures.append(f"malformed request answered {status}: {data[:120]!r}")
                elif status != 200:
                    self.failures.append(f"valid request answered {status}: {data[:200]!r}")
                else:
                    hl = int(r.getheader("Inference-Header-Content-Length"))
                    y = np.frombuffer(data[hl:], dtype=np.float32).reshape(self.want[k].shape)
                    # A merged batch may take other CPU kernels than a single run: rounding only.
                    if np.abs(y - self.want[k]).max() > 1e-5:
                        self.failures.append("wrong answer")
                    self.ok += 1
        conn.close()

    def run(self):
        threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.time() - t0


def main():
    skip_unless_served(SEGRT)
    tmp = tempfile.mkdtemp()
    repo = make_repository(tmp, serving={"max_batch": 8, "batch_delay_us": 500, "max_queue": 1024, "threads": 1,
                                                 "warmup_shape": [1, 16, 16]})
    rng = np.random.default_rng(5)
    xs = [rng.random((1, 1, 16, 16), dtype=np.float32) for _ in range(4)]
    srv = Server(SEGRT, repo, "--no-access-log")
    try:
        # References from single requests, checked against segrt run once.
        want = []
        for i, x in enumerate(xs):
            body, h = binary_body(x)
            c = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=120)
            c.request("POST", "/v2/models/membrane/infer", body, h)
            r = c.getresponse()
            data = r.read()
            hl = int(r.getheader("Inference-Header-Content-Length"))
            want.append(np.frombuffer(data[hl:], dtype=np.float32).reshape(1, 1, 16, 16).copy())
        ref = segrt_run(SEGRT, tmp, xs[0])
        check(np.abs(want[0] - ref).max() < 1e-5, "reference answer matches segrt run")
        # Warm-up: a plan for every batch size the batcher can form, then load.
        for k in range(1, 9):
            body, h = binary_body(np.repeat(xs[0], k, axis=0))
            c = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=120)
            c.request("POST", "/v2/models/membrane/infer", body, h)
            check(c.getresponse().status == 200, f"warm-up batch {k}")
            c.close()
        warm = Load(srv.http_port, xs, want, max(TOTAL // 5, 1000))
        warm.run()
        want = want
        rss0 = rss_kib(srv.proc.pid)
        load = Load(srv.http_port, xs, want, TOTAL)
        secs = load.run()
        rss1 = rss_kib(srv.proc.pid)
        growth = (rss1 - rss0) / rss0
        print(f"{TOTAL} requests from {CLIENTS} clients in {secs:.1f} s ({TOTAL / secs:.0f}/s): "
              f"{load.ok} ok, {load.bad_refused} malformed refused, {load.refused} 503, "
              f"{load.conn_errors} connection errors; RSS {rss0} -> {rss1} KiB ({100 * growth:+.2f}%)")
        check(srv.proc.poll() is None, "server alive after the load")
        check(not load.failures, "no failed valid request: " + "; ".join(load.failures[:5]))
        check(load.refused == 0 and load.conn_errors == 0, "nothing refused under the queue limit")
        check(load.ok + load.bad_refused == TOTAL, "every request answered")
        check(growth < 0.05, f"RSS growth {100 * growth:.2f}% < 5% after warm-up")

        # SIGTERM mid-load.
        before = srv.log().count("\n")
        drain = Load(srv.http_port, xs, want, 10 ** 9, stop_on_refusal=True)
        t = threading.Thread(target=drain.run)
        t.start()
        time.sleep(2.0)
        srv.terminate()
        t.join(120)
        rc = srv.wait()
        log = srv.log()
        check(rc == 0, f"server exit code 0 after SIGTERM (got {rc})")
        check("drained" in log and "drain timed out" not in log, "in-flight requests drained")
        m = re.search(r"(\d+) inference requests answered, 0 in flight", log)
        check(m is not None, "drain summary line")
        answered = int(m.group(1))
        clients_ok = 4 + 8 + warm.ok + load.ok + drain.ok
        print(f"during SIGTERM: {drain.ok} ok, {drain.refused} 503, {drain.conn_errors} refused connections; "
              f"server answered {answered}, clients received {clients_ok}")
        check(not drain.failures, "no wrong answer while draining: " + "; ".join(drain.failures[:5]))
        check(answered == clients_ok, "every accepted request reached its client")
    finally:
        srv.stop()
    print("PASS")


if __name__ == "__main__":
    main()
