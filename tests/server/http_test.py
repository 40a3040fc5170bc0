"""segrt serve over HTTP/REST, from a client on another stack (Python's
http.client): every route of the Open Inference Protocol v2 the server
offers, JSON and binary tensor data, answers equal to `segrt run`, the
segmentation route equal to `segrt segment`, and the errors: 404 unknown
model, 400 naming the tensor, 400 malformed JSON, 413 oversize, 401 bad token
before any work. Usage: http_test.py SEGRT"""
import http.client
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from serve_util import ROOT, MODEL, TOKEN, Server, check, fail, make_repository, segrt_run, skip_unless_served

SEGRT = sys.argv[1]
AUTH = {"Authorization": "Bearer " + TOKEN}


def request(port, method, path, body=None, headers=None, auth=True):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    h = dict(AUTH if auth else {})
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data


def infer_json(x, name="image", datatype="FP32"):
    return json.dumps({"id": "t1", "inputs": [{"name": name, "shape": list(x.shape), "datatype": datatype,
                                               "data": x.flatten().tolist()}]}).encode()


def infer_binary(x, binary_out=True):
    raw = x.astype(np.float32).tobytes()
    head = json.dumps({"inputs": [{"name": "image", "shape": list(x.shape), "datatype": "FP32",
                                   "parameters": {"binary_data_size": len(raw)}}],
                       "outputs": [{"name": "membrane_prob", "parameters": {"binary_data": binary_out}}]}).encode()
    return head + raw, {"Inference-Header-Content-Length": str(len(head)), "Content-Type": "application/octet-stream"}


def decode_binary(headers, body):
    n = int(headers["Inference-Header-Content-Length"])
    head = json.loads(body[:n])
    out = head["outputs"][0]
    size = out["parameters"]["binary_data_size"]
    check(out["datatype"] == "FP32", "binary output datatype FP32")
    return head, np.frombuffer(body[n:n + size], dtype=np.float32).reshape(out["shape"])


def main():
    skip_unless_served(SEGRT)
    tmp = tempfile.mkdtemp()
    repo = make_repository(tmp)
    tok = os.path.join(tmp, "token")
    with open(tok, "w") as f:
        f.write(TOKEN + "\n")
    srv = Server(SEGRT, repo, "--max-request-bytes", str(4 << 20), token_file=tok)
    p = srv.http_port
    try:
        # Health needs no token (kubelet probes); everything else does.
        check(request(p, "GET", "/v2/health/live", auth=False)[0] == 200, "GET /v2/health/live 200")
        check(request(p, "GET", "/v2/health/ready", auth=False)[0] == 200, "GET /v2/health/ready 200")
        s, _, b = request(p, "GET", "/v2")
        meta = json.loads(b)
        check(s == 200 and meta["name"] == "segrt" and "binary_tensor_data" in meta["extensions"], "server metadata")
        s, _, b = request(p, "GET", "/v2/models/membrane")
        m = json.loads(b)
        check(s == 200 and m["inputs"][0]["name"] == "image" and m["inputs"][0]["datatype"] == "FP32"
              and m["outputs"][0]["name"] == "membrane_prob" and m["platform"] == "onnx", "model metadata: " + b.decode())
        check(request(p, "GET", "/v2/models/membrane/versions/1")[0] == 200, "model metadata with a version")
        check(request(p, "GET", "/v2/models/membrane/ready")[0] == 200, "model ready")
        s, _, b = request(p, "POST", "/v2/repository/index", b"{}")
        idx = json.loads(b)
        check(s == 200 and idx == [{"name": "membrane", "version": "1", "state": "READY"}], "repository index")

        # Infer: JSON in/out and binary in/out, equal to segrt run.
        rng = np.random.default_rng(7)
        x = rng.random((1, 1, 64, 96), dtype=np.float32)
        want = segrt_run(SEGRT, tmp, x)
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", infer_json(x), {"Content-Type": "application/json"})
        check(s == 200, "infer JSON: " + str(s) + " " + b[:200].decode(errors="replace"))
        r = json.loads(b)
        out = r["outputs"][0]
        got = np.array(out["data"], dtype=np.float32).reshape(out["shape"])
        check(r["id"] == "t1" and r["model_name"] == "membrane" and out["name"] == "membrane_prob", "infer JSON header")
        check(got.shape == want.shape, f"infer JSON shape {got.shape} == segrt run {want.shape}")
        check(np.array_equal(got, want), f"infer JSON equals segrt run (max diff {np.abs(got - want).max():.3g})")
        body, h = infer_binary(x)
        s, rh, b = request(p, "POST", "/v2/models/membrane/infer", body, h)
        check(s == 200 and "Inference-Header-Content-Length" in rh, "infer binary: " + str(s))
        _, got = decode_binary(rh, b)
        check(np.array_equal(got, want), "infer binary equals segrt run")
        # Binary in, JSON out; batch of 2 equals two runs.
        x2 = rng.random((2, 1, 32, 32), dtype=np.float32)
        want2 = segrt_run(SEGRT, tmp, x2, "x2")
        body, h = infer_binary(x2, binary_out=False)
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", body, h)
        out = json.loads(b)["outputs"][0]
        got2 = np.array(out["data"], dtype=np.float32).reshape(out["shape"])
        check(s == 200 and np.array_equal(got2, want2), "binary in, JSON out, batch 2 equals segrt run")

        # Errors.
        s, _, b = request(p, "POST", "/v2/models/nosuch/infer", infer_json(x))
        check(s == 404 and b"nosuch" in b, "unknown model: 404 naming it")
        check(request(p, "GET", "/v2/models/nosuch")[0] == 404, "metadata of an unknown model: 404")
        check(request(p, "GET", "/v2/models/nosuch/ready")[0] == 404, "ready of an unknown model: 404")
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", infer_json(x.astype(np.int64), datatype="INT64"))
        check(s == 400 and b"'image'" in b and b"INT64" in b, "wrong dtype: 400 naming the tensor: " + b.decode())
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", infer_json(x.reshape(1, 64, 96)))
        check(s == 400 and b"'image'" in b and b"shape" in b, "wrong shape: 400 naming the tensor: " + b.decode())
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", infer_json(x, name="pixels"))
        check(s == 400 and b"pixels" in b, "unknown input name: 400 naming it")
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", b'{"inputs": [{"name": "image", "shape": [1,')
        check(s == 400 and b"malformed JSON" in b, "malformed JSON: 400")
        bad = json.dumps({"inputs": [{"name": "image", "shape": [1, 1, 16, 16], "datatype": "FP32",
                                      "data": [1.0] * 255}]}).encode()
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", bad)
        check(s == 400 and b"'image'" in b and b"256 expected" in b, "too few values: 400 naming the tensor")
        body, h = infer_binary(x)
        h["Inference-Header-Content-Length"] = str(len(body) + 5)
        check(request(p, "POST", "/v2/models/membrane/infer", body, h)[0] == 400, "header length past the body: 400")
        big = np.zeros((1, 1, 1024, 1280), dtype=np.float32)  # 5 MiB > --max-request-bytes 4 MiB
        body, h = infer_binary(big)
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", body, h)
        check(s == 413, f"oversize: 413 (got {s})")

        # Crafted requests (fuzz_serve_json): JSON nested 200,000 deep, in the
        # error message's datatype and in the "id" the answer copies, overflowed
        # the stack; refused with 400 before parsing, the server still serving.
        deep = "[" * 200000 + "]" * 200000
        for where, text in (("datatype", '{"inputs": [{"name": "image", "shape": [1], "datatype": %s}]}' % deep),
                            ("id", '{"id": %s, "inputs": %s}' % (deep, json.dumps(json.loads(infer_json(x))["inputs"])))):
            s, _, b = request(p, "POST", "/v2/models/membrane/infer", text.encode())
            check(s == 400 and b"nested" in b, f"JSON nested 200,000 deep in {where}: 400 ({s} {b[:80]!r})")
        check(request(p, "GET", "/v2/health/live", auth=False)[0] == 200, "alive after the deep JSON")
        # A BOOL byte other than 0 or 1 (binary extension) is no bool: 400 naming the element.
        head = json.dumps({"inputs": [{"name": "mask", "shape": [3], "datatype": "BOOL",
                                       "parameters": {"binary_data_size": 3}}]}).encode()
        s, _, b = request(p, "POST", "/v2/models/membrane/infer", head + b"\x01\x00\x02",
                          {"Inference-Header-Content-Length": str(len(head))})
        check(s == 400 and b"'mask'" in b and b"element 2 is byte 2" in b, f"BOOL byte 2: 400 naming it ({b[:90]!r})")

        # Bad or missing token: 401 before anything else, even for a body that
        # is oversize or malformed; the model's counters do not move.
        before = request(p, "GET", "/metrics")[2].decode()
        for hdr in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            s, rh, _ = request(p, "POST", "/v2/models/membrane/infer", body, dict(h, **hdr), auth=False)
            check(s == 401 and rh.get("WWW-Authenticate") == "Bearer", f"bad token {hdr}: 401 before the 413")
            s, _, _ = request(p, "POST", "/v2/models/membrane/infer", b"{oops", hdr, auth=False)
            check(s == 401, f"bad token {hdr}: 401 before the JSON is parsed")
        check(request(p, "GET", "/v2/models/membrane", auth=False)[0] == 401, "metadata without a token: 401")
        after = request(p, "GET", "/metrics")[2].decode()
        count = lambda t: sum(float(l.split()[-1]) for l in t.splitlines() if l.startswith("segrt_requests_total"))
        check(count(before) == count(after), "401s reached no model (request counters unchanged)")

        # Segmentation route: the same mask PNG as segrt segment.
        img = os.path.join(ROOT, "examples", "membrane", "26.png")
        subprocess.run([SEGRT, "segment", MODEL, img, "-o", os.path.join(tmp, "seg"), "--backend", "cpu", "-q"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(img, "rb") as f:
            png = f.read()
        s, rh, b = request(p, "POST", "/v2/models/membrane/segment", png, {"Content-Type": "image/png"})
        with open(os.path.join(tmp, "seg", "26_mask.png"), "rb") as f:
            check(s == 200 and rh["Content-Type"] == "image/png" and b == f.read(),
                  "segment route: mask PNG equals segrt segment's")
        s, rh, b = request(p, "POST", "/v2/models/membrane/segment?output=overlay", png)
        with open(os.path.join(tmp, "seg", "26_overlay.png"), "rb") as f:
            check(s == 200 and b == f.read(), "segment route: overlay PNG equals segrt segment's")
        s, _, b = request(p, "POST", "/v2/models/membrane/segment", b"\x89PNG\r\n\x1a\nnot really")
        check(s == 400 and b"decode" in b, "segment route: a corrupt image is 400")

        # Metrics in Prometheus text.
        s, rh, b = request(p, "GET", "/metrics")
        t = b.decode()
        check(s == 200 and 'segrt_requests_total{model="membrane",protocol="http",status="ok"}' in t
              and "segrt_queue_duration_seconds_bucket" in t and "segrt_compute_duration_seconds_count" in t
              and "segrt_batch_requests_bucket" in t and "segrt_inflight_requests" in t, "metrics")
        check('"path":"/v2/models/membrane/infer","status":200' in srv.log(), "access log line per request")
    finally:
        srv.stop()
    check("drained" in srv.log(), "SIGTERM: drained and stopped")
    print("PASS")


if __name__ == "__main__":
    main()
