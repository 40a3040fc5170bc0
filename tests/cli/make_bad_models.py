"""Writes the small (good and bad) ONNX models and .npy files that
bad_input.test.sh feeds to the segrt CLI. Usage: make_bad_models.py OUTDIR"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs, inits=(), opsets=(("", 13),)):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
    m.ir_version = 8
    onnx.save(m, f"{out}/{name}.onnx")  # no checker: some of these are wrong on purpose


def vi(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


rng = np.random.default_rng(0)
w = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "W")
conv = helper.make_node("Conv", ["x", "W"], ["y"], name="conv1", pads=[1, 1, 1, 1])
# A good one-conv model: the baseline every bad variant departs from.
save("good", [conv], [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 8, 8])], [w])
# Conv reading an initializer that is not in the file.
save("missing_init", [conv], [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 8, 8])])
# Weight with 2 input channels for a 3-channel input.
w2 = numpy_helper.from_array(np.zeros((4, 2, 3, 3), np.float32), "W")
save("channel_mismatch", [conv], [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 8, 8])], [w2])
# Two inputs (Add), for the wrong-number-of-inputs case.
add = helper.make_node("Add", ["a", "b"], ["c"], name="add1")
save("two_inputs", [add], [vi("a", [2, 3]), vi("b", [2, 3])], [vi("c", [2, 3])])
# An op segrt does not have.
rnd = helper.make_node("RandomUniformLike", ["x"], ["y"], name="rnd1")  # random: refused by design
save("unsupported_op", [rnd], [vi("x", [1, 3, 8, 8])], [vi("y", [1, 3, 8, 8])])
# Only a non-default domain (training ops).
save("training_domain", [helper.make_node("Adagrad", ["r", "t", "x", "g", "h"], ["x2", "h2"], name="ada",
                                          domain="ai.onnx.preview.training")],
     [vi("r", []), vi("t", [], TensorProto.INT64), vi("x", [2]), vi("g", [2]), vi("h", [2])],
     [vi("x2", [2]), vi("h2", [2])], opsets=(("ai.onnx.preview.training", 1),))
# Reshape to an impossible shape (inconsistent shapes outside Conv).
shape = numpy_helper.from_array(np.array([5, -1], np.int64), "shape")
save("bad_reshape", [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape1")],
     [vi("x", [2, 3])], [vi("y", [5, -1])], [shape])

# A chain of shape and tensor ops (PyTorch-export style), for the corruption test.
N, i64 = helper.make_node, lambda n, v: numpy_helper.from_array(np.array(v, np.int64), n)
chain = [N("Shape", ["x"], ["s"]), N("Gather", ["s", "zero"], ["n"], axis=0), N("Unsqueeze", ["n", "zero1"], ["n1"]),
         N("Concat", ["n1", "m1"], ["ns"], axis=0), N("Reshape", ["x", "ns"], ["r"]),
         N("Slice", ["r", "st", "en", "ax", "sp"], ["sl"]), N("Transpose", ["sl"], ["t"], perm=[1, 0]),
         N("MatMul", ["t", "w1"], ["mm"]), N("Softmax", ["mm"], ["sm"], axis=-1), N("Split", ["sm", "sz"], ["a", "b"], axis=1),
         N("Concat", ["b", "a"], ["c"], axis=1), N("ReduceMean", ["c"], ["rm"], axes=[0]),
         N("Cast", ["rm"], ["h"], to=TensorProto.FLOAT16), N("ArgMax", ["c"], ["am"], axis=1), N("Expand", ["h", "es"], ["he"])]
save("chain", chain, [vi("x", [1, 3, 8, 8])], [vi("he", None, TensorProto.FLOAT16), vi("am", None, TensorProto.INT64)],
     [i64("zero", 0), i64("zero1", [0]), i64("m1", [-1]), i64("st", [0, 1]), i64("en", [2, 100]), i64("ax", [0, 1]),
      i64("sp", [1, 2]), numpy_helper.from_array(np.ones((1, 6), np.float32), "w1"), i64("sz", [2, 4]),
      i64("es", [3, 1, 6])])

good = open(f"{out}/good.onnx", "rb").read()
open(f"{out}/truncated.onnx", "wb").write(good[: len(good) // 2])
open(f"{out}/garbage.onnx", "wb").write(bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
open(f"{out}/empty.onnx", "wb").write(b"")

np.save(f"{out}/x.npy", rng.standard_normal((1, 3, 8, 8)).astype(np.float32))
np.save(f"{out}/x_f64.npy", rng.standard_normal((1, 3, 8, 8)))  # accepted: numpy's default dtype
np.save(f"{out}/x_i64.npy", np.ones((1, 3, 8, 8), np.int64))
np.save(f"{out}/x_badshape.npy", rng.standard_normal((1, 3, 8)).astype(np.float32))
np.save(f"{out}/a.npy", np.ones((2, 3), np.float32))
open(f"{out}/garbage.npy", "wb").write(b"\x93NUMPY garbage")
