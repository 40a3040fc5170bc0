"""segrt serve's limits: a full queue answers 503 with Retry-After at once,
a request past its time limit 504,
both counted in /metrics. A long batching delay holds the first request at
the engine while requests of other shapes (which cannot join it) fill the
queue, so no timing race decides the outcome. Usage: limits_test.py SEGRT"""
import http.client
import json
import os
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from serve_util import Server, check, make_repository, skip_unless_served

SEGRT = sys.argv[1]


def infer(port, hw, out, i):
    x = np.zeros((1, 1) + hw, dtype=np.float32)
    body = json.dumps({"inputs": [{"name": "image", "shape": list(x.shape), "datatype": "FP32",
                                   "data": x.flatten().tolist()}]})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.time()
    c.request("POST", "/v2/models/membrane/infer", body)
    r = c.getresponse()
    out[i] = (r.status, r.getheader("Retry-After"), time.time() - t0, r.read())


def main():
    skip_unless_served(SEGRT)
    tmp = tempfile.mkdtemp()
    repo = make_repository(tmp)
    srv = Server(SEGRT, repo, "--max-batch", "8", "--batch-delay-us", "3000000", "--max-queue", "2",
                 "--timeout-ms", "1000")
    try:
        res = [None] * 4
        t = [threading.Thread(target=infer, args=(srv.http_port, (16, 16), res, 0))]
        t[0].start()
        time.sleep(0.3)  # the worker holds it, waiting for company
        for i, hw in ((1, (32, 32)), (2, (48, 48))):
            t.append(threading.Thread(target=infer, args=(srv.http_port, hw, res, i)))
            t[-1].start()
        time.sleep(0.3)  # both queued: the queue is full
        infer(srv.http_port, (64, 64), res, 3)
        status, retry, secs, body = res[3]
        check(status == 503 and retry == "1" and secs < 0.9, f"queue full: 503 Retry-After 1 at once ({status}, {secs:.2f} s)")
        check(b"queue full" in body, "the 503 says why")
        for x in t:
            x.join()
        for i in range(3):
            status, _, secs, body = res[i]
            check(status == 504 and 0.9 < secs < 2.9, f"request {i}: 504 after its 1 s limit ({status}, {secs:.2f} s)")
        c = http.client.HTTPConnection("127.0.0.1", srv.http_port)
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        check('status="timeout"} 3' in text and 'status="unavailable"} 1' in text, "timeouts and refusals counted")
    finally:
        srv.stop()
    print("PASS")


if __name__ == "__main__":
    main()
