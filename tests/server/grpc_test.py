"""segrt serve over gRPC, from python3-grpcio with stubs generated here from
src/server/grpc_predict_v2.proto: every RPC, raw and typed contents, answers
equal to `segrt run`, and the errors as gRPC codes (NOT_FOUND,
INVALID_ARGUMENT naming the tensor, RESOURCE_EXHAUSTED for oversize,
UNAUTHENTICATED for a bad token). Usage: grpc_test.py SEGRT"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from serve_util import ROOT, TOKEN, Server, check, fail, make_repository, segrt_run, skip_unless_served

SEGRT = sys.argv[1]


def stubs(tmp):
    """grpc_predict_v2_pb2(_grpc) compiled with Debian's protoc and gRPC Python plugin."""
    proto_dir = os.path.join(ROOT, "src", "server")
    subprocess.run(["protoc", "--proto_path=" + proto_dir, "--python_out=" + tmp, "--grpc_python_out=" + tmp,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                    os.path.join(proto_dir, "grpc_predict_v2.proto")], check=True)
    sys.path.insert(0, tmp)
    import grpc_predict_v2_pb2 as pb
    import grpc_predict_v2_pb2_grpc as pbg
    return pb, pbg


def main():
    skip_unless_served(SEGRT)
    try:
        import grpc
    except ImportError:
        print("SKIP: python3-grpcio is not installed")
        sys.exit(77)
    tmp = tempfile.mkdtemp()
    pb, pbg = stubs(tmp)
    repo = make_repository(tmp)
    tok = os.path.join(tmp, "token")
    with open(tok, "w") as f:
        f.write(TOKEN)
    srv = Server(SEGRT, repo, "--max-request-bytes", str(4 << 20), token_file=tok)
    ch = grpc.insecure_channel(f"127.0.0.1:{srv.grpc_port}",
                               options=[("grpc.max_send_message_length", 64 << 20)])
    stub = pbg.GRPCInferenceServiceStub(ch)
    md = [("authorization", "Bearer " + TOKEN)]

    def code_of(fn, *a, **k):
        try:
            fn(*a, **k)
            return grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            return e.code(), e.details()

    try:
        check(stub.ServerLive(pb.ServerLiveRequest()).live, "ServerLive (no token needed)")
        check(stub.ServerReady(pb.ServerReadyRequest()).ready, "ServerReady")
        meta = stub.ServerMetadata(pb.ServerMetadataRequest(), metadata=md)
        check(meta.name == "segrt" and "binary_tensor_data" in meta.extensions, "ServerMetadata")
        m = stub.ModelMetadata(pb.ModelMetadataRequest(name="membrane"), metadata=md)
        check(m.inputs[0].name == "image" and m.inputs[0].datatype == "FP32" and m.outputs[0].name == "membrane_prob"
              and list(m.versions) == ["1"], "ModelMetadata")
        check(stub.ModelReady(pb.ModelReadyRequest(name="membrane"), metadata=md).ready, "ModelReady")
        idx = stub.RepositoryIndex(pb.RepositoryIndexRequest(), metadata=md)
        check([(x.name, x.state) for x in idx.models] == [("membrane", "READY")], "RepositoryIndex")

        rng = np.random.default_rng(11)
        x = rng.random((1, 1, 48, 80), dtype=np.float32)
        want = segrt_run(SEGRT, tmp, x)

        def request(arr, raw=True, name="image", datatype="FP32", model="membrane"):
            r = pb.ModelInferRequest(model_name=model, id="g1")
            t = r.inputs.add(name=name, datatype=datatype, shape=list(arr.shape))
            if raw:
                r.raw_input_contents.append(arr.tobytes())
            else:
                t.contents.fp32_contents.extend(arr.flatten().tolist())
            r.outputs.add(name="membrane_prob")
            return r

        def output(resp):
            o = resp.outputs[0]
            check(o.datatype == "FP32" and o.name == "membrane_prob", "output named and typed")
            return np.frombuffer(resp.raw_output_contents[0], dtype=np.float32).reshape(list(o.shape))

        resp = stub.ModelInfer(request(x), metadata=md)
        check(resp.id == "g1" and resp.model_name == "membrane", "ModelInfer answer header")
        got = output(resp)
        check(np.array_equal(got, want), f"ModelInfer raw contents equals segrt run (max diff {np.abs(got - want).max():.3g})")
        got = output(stub.ModelInfer(request(x, raw=False), metadata=md))
        check(np.array_equal(got, want), "ModelInfer fp32_contents equals segrt run")

        c, d = code_of(stub.ModelInfer, request(x, model="nosuch"), metadata=md)
        check(c == grpc.StatusCode.NOT_FOUND and "nosuch" in d, "unknown model: NOT_FOUND")
        c, d = code_of(stub.ModelMetadata, pb.ModelMetadataRequest(name="nosuch"), metadata=md)
        check(c == grpc.StatusCode.NOT_FOUND, "metadata of an unknown model: NOT_FOUND")
        c, d = code_of(stub.ModelInfer, request(x.astype(np.float64), datatype="FP64"), metadata=md)
        check(c == grpc.StatusCode.INVALID_ARGUMENT and "'image'" in d and "FP64" in d, "wrong dtype: " + d)
        c, d = code_of(stub.ModelInfer, request(x.reshape(1, 48, 80)), metadata=md)
        check(c == grpc.StatusCode.INVALID_ARGUMENT and "'image'" in d and "shape" in d, "wrong shape: " + d)
        r = request(x)
        r.raw_input_contents[0] = r.raw_input_contents[0][:-4]
        c, d = code_of(stub.ModelInfer, r, metadata=md)
        check(c == grpc.StatusCode.INVALID_ARGUMENT and "'image'" in d and "bytes" in d, "short raw contents: " + d)
        r = request(np.array([1, 0, 2], dtype=np.uint8), name="mask", datatype="BOOL")
        c, d = code_of(stub.ModelInfer, r, metadata=md)
        check(c == grpc.StatusCode.INVALID_ARGUMENT and "'mask'" in d and "element 2 is byte 2" in d,
              "raw BOOL byte 2 (not a bool): " + d)
        # Crafted by fuzz_serve_grpc: an FP32 input of 0 elements with empty typed
        # contents passed null to memcpy (UB; ASan/UBSan builds abort); refused by the shape check.
        c, d = code_of(stub.ModelInfer, request(np.zeros((0,), dtype=np.float32), raw=False), metadata=md)
        check(c == grpc.StatusCode.INVALID_ARGUMENT and "'image'" in d and "shape" in d, "empty fp32_contents: " + d)
        big = np.zeros((1, 1, 1024, 1280), dtype=np.float32)
        c, d = code_of(stub.ModelInfer, request(big), metadata=md)
        check(c == grpc.StatusCode.RESOURCE_EXHAUSTED, f"oversize: RESOURCE_EXHAUSTED ({c})")
        for bad in ([], [("authorization", "Bearer nope")]):
            c, _ = code_of(stub.ModelInfer, request(x), metadata=bad)
            check(c == grpc.StatusCode.UNAUTHENTICATED, f"token {bad}: UNAUTHENTICATED")
            c, _ = code_of(stub.ModelMetadata, pb.ModelMetadataRequest(name="membrane"), metadata=bad)
            check(c == grpc.StatusCode.UNAUTHENTICATED, f"token {bad}: metadata UNAUTHENTICATED")
        # A bad token with a malformed request still says UNAUTHENTICATED: auth comes first.
        c, _ = code_of(stub.ModelInfer, request(x, datatype="NOPE"), metadata=[])
        check(c == grpc.StatusCode.UNAUTHENTICATED, "bad token before the request is looked at")
        check("/inference.GRPCInferenceService/ModelInfer" in srv.log(), "access log names the RPC")
    finally:
        ch.close()
        srv.stop()
    print("PASS")


if __name__ == "__main__":
    main()
