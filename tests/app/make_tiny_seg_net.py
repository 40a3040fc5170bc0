#!/usr/bin/python3
"""A tiny fully convolutional segmentation net (4 channels, one 2x pooling
level, ~300 weights) and its sidecar, for the streaming tests: cheap enough that
a 16384^2 image runs in CI on the CPU, with a receptive field (9x9) so tiling
and blending matter. Usage: make_tiny_seg_net.py OUTDIR -> OUTDIR/tiny_seg.onnx,
OUTDIR/tiny_seg.segrt.json"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(19)


def init(name, a):
    return numpy_helper.from_array(np.asarray(a, np.float32), name)


# conv1: a smoothing filter and three random ones; the head thresholds "dark
# and smooth" (membrane-like) against the rest, so both classes occur.
w1 = rng.standard_normal((4, 1, 3, 3)) * 0.5
w1[0] = -np.ones((1, 3, 3)) / 9.0
inits = [
    init("w1", w1), init("b1", [0.5, 0.0, 0.0, 0.0]),
    init("w2", rng.standard_normal((4, 4, 3, 3)) * 0.3), init("b2", np.zeros(4)),
    init("w3", np.concatenate([np.full((1, 1, 3, 3), 0.5), rng.standard_normal((1, 3, 3, 3)) * 0.1], axis=1)),
    init("b3", [-0.6]),
    init("scales", [1.0, 1.0, 2.0, 2.0]),
]
nodes = [
    helper.make_node("Conv", ["image", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
    helper.make_node("Resize", ["r2", "", "scales"], ["u2"], name="up2", mode="nearest"),
    helper.make_node("Conv", ["u2", "w3", "b3"], ["c3"], name="conv3", pads=[1, 1, 1, 1]),
    helper.make_node("Sigmoid", ["c3"], ["prob"], name="prob"),
]
g = helper.make_graph(nodes, "tiny_seg", [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, "H", "W"])],
                      [helper.make_tensor_value_info("prob", TensorProto.FLOAT, ["N", 1, "H", "W"])], inits)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, os.path.join(out, "tiny_seg.onnx"))
side = {
    "model": "tiny_seg.onnx",
    "input": {"channels": 1, "scale": 1 / 255, "mean": [0.0], "std": [1.0], "multiple_of": 16, "pad_mode": "reflect"},
    "output": {"head": "sigmoid", "threshold": 0.5},
    "classes": ["cell", "membrane"],
    "tiling": {"tile": 512, "overlap": 128, "max_pixels": 1048576, "batch": 4},
}
with open(os.path.join(out, "tiny_seg.segrt.json"), "w") as f:
    json.dump(side, f, indent=1)
