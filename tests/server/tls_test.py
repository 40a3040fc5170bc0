"""segrt serve with --tls-cert/--tls-key: HTTPS and gRPC over TLS with a
self-signed certificate made here (openssl); plain HTTP to the TLS port gets
no answer, an infer over HTTPS and over gRPC/TLS answers. Usage: tls_test.py SEGRT"""
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from serve_util import ROOT, Server, check, make_repository, skip_unless_served

SEGRT = sys.argv[1]


def main():
    skip_unless_served(SEGRT)
    if not shutil.which("openssl"):
        print("SKIP: no openssl command to make a test certificate")
        sys.exit(77)
    tmp = tempfile.mkdtemp()
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    repo = make_repository(tmp)
    srv = Server(SEGRT, repo, "--tls-cert", cert, "--tls-key", key)
    try:
        check("(TLS)" in srv.log(), "the server says it serves TLS")
        ctx = ssl.create_default_context(cafile=cert)
        c = http.client.HTTPSConnection("127.0.0.1", srv.http_port, context=ctx, timeout=60)
        c.request("GET", "/v2/health/ready")
        r = c.getresponse()
        r.read()
        check(r.status == 200, "HTTPS ready 200")
        x = np.full((1, 1, 16, 16), 0.5, dtype=np.float32)
        body = json.dumps({"inputs": [{"name": "image", "shape": [1, 1, 16, 16], "datatype": "FP32",
                                       "data": x.flatten().tolist()}]})
        c.request("POST", "/v2/models/membrane/infer", body)
        r = c.getresponse()
        out = json.loads(r.read())["outputs"][0]
        check(r.status == 200 and out["shape"] == [1, 1, 16, 16], "HTTPS infer")
        plain = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10)
        try:
            plain.request("GET", "/v2/health/ready")
            status = plain.getresponse().status
        except (ConnectionError, http.client.HTTPException, OSError):
            status = None
        check(status != 200, "plain HTTP to the TLS port is not served")
        try:
            import grpc
        except ImportError:
            print("gRPC part skipped: python3-grpcio missing")
            return
        sys.path.insert(0, os.path.dirname(__file__))
        from grpc_test import stubs
        pb, pbg = stubs(tmp)
        with open(cert, "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        ch = grpc.secure_channel(f"127.0.0.1:{srv.grpc_port}", creds,
                                 options=[("grpc.ssl_target_name_override", "localhost")])
        stub = pbg.GRPCInferenceServiceStub(ch)
        check(stub.ServerLive(pb.ServerLiveRequest(), timeout=30).live, "gRPC over TLS: ServerLive")
        req = pb.ModelInferRequest(model_name="membrane")
        req.inputs.add(name="image", datatype="FP32", shape=[1, 1, 16, 16])
        req.raw_input_contents.append(x.tobytes())
        resp = stub.ModelInfer(req, timeout=60)
        check(list(resp.outputs[0].shape) == [1, 1, 16, 16], "gRPC over TLS: ModelInfer")
        ch.close()
    finally:
        srv.stop()
    print("PASS")


if __name__ == "__main__":
    main()
