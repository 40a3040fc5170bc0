"""ONNX opset differences through the segrt CLI: builds one small model per
case with python3-onnx (old and new forms of Split, Slice, Squeeze,
Unsqueeze, Softmax, LogSoftmax, ReduceMean, Clip, Dropout, Cast, PRelu, a
Reshape whose shape is a graph input, If / Loop on graph-input conditions), runs `segrt run`, and compares with
numpy. Cases that must be refused check the exit code (3) and the message.
Usage: onnx_opsets.py path/to/segrt"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEGRT = sys.argv[1]
TMP = tempfile.mkdtemp()
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
rng = np.random.default_rng(1)
failures = []

NP2ONNX = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64, np.float16: TensorProto.FLOAT16,
           np.bool_: TensorProto.BOOL, np.int32: TensorProto.INT32}


def model(name, opset, node, inputs, n_out=1, inits=()):
    """inputs: list of (name, array); arrays also become the .npy feeds."""
    vis = [helper.make_tensor_value_info(n, NP2ONNX[a.dtype.type], a.shape) for n, a in inputs]
    outs = [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in node.output[:n_out]]
    g = helper.make_graph([node], name, vis, outs, [numpy_helper.from_array(a, n) for n, a in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    path = os.path.join(TMP, name + ".onnx")
    onnx.save(m, path)
    return path


def run(name, opset, node, inputs, n_out=1, inits=()):
    path = model(name, opset, node, inputs, n_out, inits)
    args = [SEGRT, "run", path]
    for n, a in inputs:
        p = os.path.join(TMP, f"{name}_{n}.npy")
        np.save(p, a)
        args += ["-i", p]
    outs = [os.path.join(TMP, f"{name}_out{k}.npy") for k in range(n_out)]
    for o in outs:
        args += ["-o", o]
    r = subprocess.run(args, capture_output=True, text=True)
    return r, [np.load(o) for o in outs] if r.returncode == 0 else None


def expect(name, opset, node, inputs, want, inits=(), atol=1e-6):
    want = want if isinstance(want, list) else [want]
    r, got = run(name, opset, node, inputs, len(want), inits)
    if r.returncode != 0:
        failures.append(f"{name}: exit {r.returncode}: {r.stderr.strip()}")
        return
    for k, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape or g.dtype != w.dtype or not np.allclose(g, w, atol=atol, rtol=1e-5):
            failures.append(f"{name}: output {k} is {g.dtype}{g.shape} {g.ravel()[:6]}, "
                            f"expected {w.dtype}{w.shape} {w.ravel()[:6]}")
            return
    print(f"ok   {name}")


def refuse(name, opset, node, inputs, needle, inits=()):
    r, _ = run(name, opset, node, inputs, 1, inits)
    if r.returncode != 3 or needle not in r.stderr:
        failures.append(f"{name}: exit {r.returncode} (want 3), stderr must contain '{needle}': {r.stderr.strip()}")
    else:
        print(f"ok   {name} refused: {r.stderr.strip()}")


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


x24 = rng.standard_normal((2, 4)).astype(np.float32)
x234 = rng.standard_normal((2, 3, 4)).astype(np.float32)
N = helper.make_node

# Split: attribute (opset 11), input (13), num_outputs (18, uneven).
expect("split11_attr", 11, N("Split", ["x"], ["a", "b"], axis=1, split=[1, 3]), [("x", x24)], [x24[:, :1], x24[:, 1:]])
expect("split13_input", 13, N("Split", ["x", "s"], ["a", "b"], axis=1), [("x", x24)], [x24[:, :3], x24[:, 3:]],
       inits=[("s", np.array([3, 1], np.int64))])
x7 = np.arange(7, dtype=np.float32)
expect("split18_num_outputs", 18, N("Split", ["x"], ["a", "b", "c"], num_outputs=3), [("x", x7)],
       [x7[:3], x7[3:6], x7[6:]])
# Slice: attributes (opset 9) and inputs with a negative step (13).
expect("slice9_attrs", 9, N("Slice", ["x"], ["y"], starts=[1, 0], ends=[2, -1], axes=[0, 2]), [("x", x234)],
       x234[1:2, :, 0:-1])
expect("slice13_neg_step", 13, N("Slice", ["x", "s", "e", "a", "t"], ["y"]), [("x", x234)], x234[:, ::-2, :],
       inits=[("s", np.array([-1], np.int64)), ("e", np.array([-10], np.int64)), ("a", np.array([1], np.int64)),
              ("t", np.array([-2], np.int64))])
# Squeeze / Unsqueeze: axes attribute (11) and input (13).
x131 = rng.standard_normal((1, 3, 1)).astype(np.float32)
expect("squeeze11_attr", 11, N("Squeeze", ["x"], ["y"], axes=[-1]), [("x", x131)], x131[:, :, 0])
expect("unsqueeze11_attr", 11, N("Unsqueeze", ["x"], ["y"], axes=[0, 3]), [("x", x24)], x24[None, :, :, None])
expect("unsqueeze13_input", 13, N("Unsqueeze", ["x", "a"], ["y"]), [("x", x24)], x24[:, None],
       inits=[("a", np.array([1], np.int64))])
# Softmax / LogSoftmax: "flatten at axis" before 13, one axis from 13.
flat = softmax(x234.reshape(2, 12), 1).reshape(2, 3, 4)
expect("softmax11_axis1", 11, N("Softmax", ["x"], ["y"], axis=1), [("x", x234)], flat)
expect("softmax11_default", 11, N("Softmax", ["x"], ["y"]), [("x", x234)], flat)
expect("softmax13_axis1", 13, N("Softmax", ["x"], ["y"], axis=1), [("x", x234)], softmax(x234, 1))
expect("logsoftmax11_axis2", 11, N("LogSoftmax", ["x"], ["y"], axis=2), [("x", x234)], np.log(softmax(x234, 2)),
       atol=1e-5)
# ReduceMean: axes attribute (13), axes input (18) as initializer or refused at run time.
expect("reducemean13_attr", 13, N("ReduceMean", ["x"], ["y"], axes=[1], keepdims=0), [("x", x234)], x234.mean(1))
expect("reducemean18_input", 18, N("ReduceMean", ["x", "a"], ["y"]), [("x", x234)], x234.mean((0, 2), keepdims=True),
       inits=[("a", np.array([0, -1], np.int64))])
refuse("reducemean18_runtime_axes", 18, N("ReduceMean", ["x", "a"], ["y"], name="rm"),
       [("x", x234), ("a", np.array([1], np.int64))], "ReduceMean axes computed at run time")
# Clip: attributes (6), inputs (13).
expect("clip6_attrs", 6, N("Clip", ["x"], ["y"], min=-0.5, max=0.25), [("x", x24)], np.clip(x24, -0.5, 0.25))
expect("clip6_min_only", 6, N("Clip", ["x"], ["y"], min=0.0), [("x", x24)], np.maximum(x24, 0))
expect("clip13_max_input", 13, N("Clip", ["x", "", "hi"], ["y"]), [("x", x24)], np.minimum(x24, 0.1),
       inits=[("hi", np.array(0.1, np.float32))])
# Dropout: inference is the identity; training_mode=true with a ratio is refused.
expect("dropout7_ratio", 7, N("Dropout", ["x"], ["y"], ratio=0.3), [("x", x24)], x24)
expect("dropout13_not_training", 13, N("Dropout", ["x", "r", "t"], ["y"]), [("x", x24)], x24,
       inits=[("r", np.array(0.5, np.float32)), ("t", np.array(False))])
refuse("dropout13_training", 13, N("Dropout", ["x", "r", "t"], ["y"], name="drop"), [("x", x24)],
       "training_mode=true", inits=[("r", np.array(0.5, np.float32)), ("t", np.array(True))])
refuse("dropout13_training_input", 13, N("Dropout", ["x", "r", "t"], ["y"], name="drop"),
       [("x", x24), ("t", np.array(True))], "training_mode=true", inits=[("r", np.array(0.5, np.float32))])
# Cast: type codes; STRING refused at load.
expect("cast13_float16", 13, N("Cast", ["x"], ["y"], to=TensorProto.FLOAT16), [("x", x24)], x24.astype(np.float16),
       atol=1e-3)
expect("cast13_int64", 13, N("Cast", ["x"], ["y"], to=TensorProto.INT64), [("x", x24 * 3)], (x24 * 3).astype(np.int64))
refuse("cast13_string", 13, N("Cast", ["x"], ["y"], to=TensorProto.STRING, name="c"), [("x", x24)], "Cast to STRING")
# PRelu: per-channel 1-D slope before opset 7.
x2345 = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
slope = np.array([0.1, 0.2, 0.3], np.float32)
expect("prelu6_channel_slope", 6, N("PRelu", ["x", "s"], ["y"]), [("x", x2345)],
       np.where(x2345 >= 0, x2345, x2345 * slope[None, :, None, None]), inits=[("s", slope)])
# Arithmetic before opset 7: broadcast=1 with axis aligns B at that axis.
b34 = rng.standard_normal((3, 4)).astype(np.float32)
expect("add6_broadcast_axis1", 6, N("Add", ["x", "b"], ["y"], broadcast=1, axis=1), [("x", x2345), ("b", b34)],
       x2345 + b34[None, :, :, None])
expect("mul6_broadcast_axis_const", 6, N("Mul", ["x", "b"], ["y"], broadcast=1, axis=1), [("x", x234)],
       x234 * slope[None, :, None], inits=[("b", slope)])
b5 = rng.standard_normal(5).astype(np.float32)
expect("sub6_broadcast_suffix", 6, N("Sub", ["x", "b"], ["y"], broadcast=1), [("x", x2345), ("b", b5)], x2345 - b5)
b4 = rng.uniform(1, 2, 4).astype(np.float32)
expect("div6_broadcast_negative_axis", 6, N("Div", ["x", "b"], ["y"], broadcast=1, axis=-2), [("x", x2345), ("b", b4)],
       x2345 / b4[:, None])
# Opsets 1-5: attributes later opsets changed.
expect("reshape4_shape_attr", 4, N("Reshape", ["x"], ["y"], shape=[4, 0, -1]), [("x", x234)], x234.reshape(4, 3, 2),
       )
expect("cast5_type_name", 5, N("Cast", ["x"], ["y"], to="INT32"), [("x", x24 * 3)], (x24 * 3).astype(np.int32))
expect("concat3_default_axis", 3, N("Concat", ["x", "z"], ["y"]), [("x", x24), ("z", x24)],
       np.concatenate([x24, x24], 1))
expect("relu1_consumed_inputs", 1, N("Relu", ["x"], ["y"], consumed_inputs=[0]), [("x", x24)], np.maximum(x24, 0))
refuse("pad1_paddings", 1, N("Pad", ["x"], ["y"], paddings=[0, 0, 1, 1], name="p"), [("x", x24)], "Pad")
refuse("upsample1_height_scale", 1, N("Upsample", ["x"], ["y"], height_scale=2.0, width_scale=2.0, name="u"),
       [("x", x2345)], "Upsample")
# Reshape whose target shape is a graph input: bound by value at run time.
expect("reshape_shape_input", 13, N("Reshape", ["x", "s"], ["y"]), [("x", x234), ("s", np.array([4, -1], np.int64))],
       x234.reshape(4, -1))
# Opsets 19-23 are read (TopK and Floor were what third-party opset-20 files
# tripped on); an opset newer than the importer knows is refused naming it.
x35 = np.linspace(-2.2, 2.7, 15, dtype=np.float32).reshape(3, 5)
expect("floor20", 20, N("Floor", ["x"], ["y"]), [("x", x35)], np.floor(x35))
expect("topk20", 20, N("TopK", ["x", "k"], ["v", "i"], axis=1), [("x", x35)],
       [np.sort(x35, 1)[:, ::-1][:, :2], np.argsort(-x35, 1, kind="stable")[:, :2].astype(np.int64)],
       inits=[("k", np.array([2], np.int64))])
expect("topk9_k_attr", 9, N("TopK", ["x"], ["v", "i"], k=3), [("x", x35)],
       [np.sort(x35, 1)[:, ::-1][:, :3], np.argsort(-x35, 1, kind="stable")[:, :3].astype(np.int64)])
expect("relu23", 23, N("Relu", ["x"], ["y"]), [("x", x35)], np.maximum(x35, 0))
refuse("relu24_newer_opset", 24, N("Relu", ["x"], ["y"], name="r"), [("x", x35)], "ONNX opset 24 is not supported")

# If / Loop fold at specialisation: a condition or trip count fed as a small
# graph input is bound by value (one plan per value); one computed from an
# image-sized activation is refused naming the node.
G, VI = helper.make_graph, helper.make_tensor_value_info
then_g = G([N("Relu", ["x"], ["t"])], "then", [], [VI("t", TensorProto.FLOAT, None)])
else_g = G([N("Neg", ["x"], ["e"])], "else", [], [VI("e", TensorProto.FLOAT, None)])
for c in [True, False]:
    expect(f"if16_input_cond_{c}", 16, N("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g),
           [("x", x35), ("c", np.array(c))], np.maximum(x35, 0) if c else -x35)
body = G([N("Identity", ["cin"], ["cout"]), N("Add", ["v", "x"], ["v2"])], "body",
         [VI("i", TensorProto.INT64, []), VI("cin", TensorProto.BOOL, []), VI("v", TensorProto.FLOAT, None)],
         [VI("cout", TensorProto.BOOL, []), VI("v2", TensorProto.FLOAT, None), VI("v2", TensorProto.FLOAT, None)])
expect("loop16_input_trip_count", 16, N("Loop", ["m", "", "v0"], ["y", "s"], body=body),
       [("x", x35), ("m", np.array(3, np.int64)), ("v0", np.zeros_like(x35))], [3 * x35, np.stack([x35, 2 * x35, 3 * x35])])
big = np.linspace(-1, 1, 80 * 80, dtype=np.float32).reshape(1, 1, 80, 80)
stop_body = G([N("ReduceMax", ["v"], ["mx"], keepdims=0), N("Less", ["mx", "lim"], ["cout"]), N("Add", ["v", "v"], ["v2"])],
              "body", [VI("i", TensorProto.INT64, []), VI("cin", TensorProto.BOOL, []), VI("v", TensorProto.FLOAT, None)],
              [VI("cout", TensorProto.BOOL, []), VI("v2", TensorProto.FLOAT, None)])
refuse("loop16_runtime_cond", 16, N("Loop", ["m", "c", "x"], ["y"], body=stop_body, name="grow"), [("x", big)],
       "its condition (the body's first output) depends on run-time data",
       inits=[("m", np.array(10, np.int64)), ("c", np.array(True)), ("lim", np.array(8, np.float32))])

if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("all opset cases pass")
