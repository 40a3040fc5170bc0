#!/usr/bin/env python3
"""Writes the two small ONNX models of tests/cuda/data/ that use every op the
CUDA backend once ran on the host: gpu_ops_opset11.onnx (MaxPool + Indices,
InstanceNormalization, ThresholdedRelu, SpaceToDepth, ReduceMean, Gemm,
legacy Softmax, MatMul, Gather, Cast to int32) and gpu_ops_opset18.onnx (Pad
with axes, ReduceMean with an axes input, Cast to float16 and back).
CudaModel.NoHostNodes and gpu_ops_run.test.sh run them.

    /usr/bin/python3 tests/cuda/make_gpu_ops_models.py tests/cuda/data
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save


def const(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def opset11(path):
    rng = np.random.RandomState(11)
    f = np.float32
    inits = [
        const("in_scale", rng.uniform(0.5, 1.5, 4).astype(f)),
        const("in_bias", rng.uniform(-0.5, 0.5, 4).astype(f)),
        const("gemm_w", rng.uniform(-1, 1, (10, 16)).astype(f)),
        const("gemm_c", rng.uniform(-1, 1, 10).astype(f)),
        const("mm_w", rng.uniform(-1, 1, (4, 3)).astype(f)),
        const("gather_idx", np.array([3, -4], dtype=np.int64)),
        const("ten", np.array(10.0, dtype=f)),
    ]
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p", "idx"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("InstanceNormalization", ["p", "in_scale", "in_bias"], ["n"], epsilon=1e-5),
        helper.make_node("ThresholdedRelu", ["n"], ["t"], alpha=0.1),
        helper.make_node("SpaceToDepth", ["t"], ["s"], blocksize=2),
        helper.make_node("ReduceMean", ["s"], ["r"], axes=[2, 3], keepdims=0),
        helper.make_node("Gemm", ["r", "gemm_w", "gemm_c"], ["g"], transB=1, alpha=0.5),
        helper.make_node("Softmax", ["g"], ["probs"]),  # opset 11: flatten at axis 1
        helper.make_node("MatMul", ["t", "mm_w"], ["m"]),
        helper.make_node("Gather", ["m", "gather_idx"], ["ga"], axis=1),
        helper.make_node("Mul", ["ga", "ten"], ["ga10"]),
        helper.make_node("Cast", ["ga10"], ["codes"], to=TensorProto.INT32),
    ]
    graph = helper.make_graph(
        nodes, "gpu_ops_opset11",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10]),
         helper.make_tensor_value_info("idx", TensorProto.INT64, [1, 4, 4, 4]),
         helper.make_tensor_value_info("codes", TensorProto.INT32, [1, 2, 4, 3])],
        inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="segrt-tests"), path)


def opset18(path):
    f = np.float32
    inits = [
        const("pads", np.array([1, 2, 2, 1], dtype=np.int64)),
        const("pad_axes", np.array([2, -1], dtype=np.int64)),
        const("red_axes", np.array([1], dtype=np.int64)),
    ]
    nodes = [
        helper.make_node("Pad", ["x", "pads", "", "pad_axes"], ["pd"], mode="reflect"),
        helper.make_node("ReduceMean", ["pd", "red_axes"], ["rm"], keepdims=1),
        helper.make_node("Cast", ["rm"], ["h"], to=TensorProto.FLOAT16),
        helper.make_node("Cast", ["h"], ["y"], to=TensorProto.FLOAT),
    ]
    graph = helper.make_graph(
        nodes, "gpu_ops_opset18",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 8, 9])],
        inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="segrt-tests"), path)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "data")
    os.makedirs(out, exist_ok=True)
    opset11(os.path.join(out, "gpu_ops_opset11.onnx"))
    opset18(os.path.join(out, "gpu_ops_opset18.onnx"))
