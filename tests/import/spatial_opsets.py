#!/usr/bin/env python3
"""Older and newer ONNX spellings of the spatial ops, built with onnx.helper,
run by `segrt run --backend ref` and checked against numpy: Upsample-7
(scales attribute) and -9, Resize-10, -11 (empty roi / scales), -13
(tf_crop_and_resize) and -18 (axes, keep_aspect_ratio_policy), Pad-2
(attributes) and BatchNormalization-7 (spatial). Refusals must name the
attribute value.

usage: spatial_opsets.py SEGRT WORKDIR
"""
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

X22 = np.array([[[[1, 2], [3, 4]]]], dtype=np.float32)


def model(node, opset, x, inits=(), out_rank=4):
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None] * out_rank)],
                          [numpy_helper.from_array(np.asarray(v), k) for k, v in inits])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def linear_asymmetric_1d(v, scale, n_out):
    out = []
    for o in range(n_out):
        x = min(o / scale, len(v) - 1)
        i0 = int(np.floor(x))
        i1 = min(i0 + 1, len(v) - 1)
        out.append(v[i0] * (1 - (x - i0)) + v[i1] * (x - i0))
    return np.array(out)


def cases():
    yield ("upsample7_nearest_scales_attribute", model(
        helper.make_node("Upsample", ["x"], ["y"], mode="nearest", scales=[1.0, 1.0, 2.0, 3.0]), 7, X22), X22,
        np.repeat(np.repeat(X22, 2, axis=2), 3, axis=3))
    rows = linear_asymmetric_1d(np.array([1.0, 3.0]), 2, 4)  # column 0 down the rows
    lin = np.array([linear_asymmetric_1d(np.array([r, r + 1]), 2, 4) for r in rows])[None, None]
    yield ("upsample9_linear", model(helper.make_node("Upsample", ["x", "s"], ["y"], mode="linear"), 9, X22,
                                     [("s", np.array([1, 1, 2, 2], np.float32))]), X22, lin)
    yield ("resize10_nearest", model(helper.make_node("Resize", ["x", "s"], ["y"], mode="nearest"), 10, X22,
                                     [("s", np.array([1, 1, 2, 2], np.float32))]), X22,
           np.repeat(np.repeat(X22, 2, axis=2), 2, axis=3))
    yield ("resize11_empty_roi_align_corners", model(
        helper.make_node("Resize", ["x", "roi", "s"], ["y"], mode="linear",
                         coordinate_transformation_mode="align_corners"), 11, X22,
        [("roi", np.zeros(0, np.float32)), ("s", np.array([1, 1, 1.5, 1.5], np.float32))]), X22,
        np.array([[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]], np.float32))
    yield ("resize11_sizes_with_empty_scales", model(
        helper.make_node("Resize", ["x", "roi", "s", "sz"], ["y"], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"), 11, X22,
        [("roi", np.zeros(0, np.float32)), ("s", np.zeros(0, np.float32)), ("sz", np.array([1, 1, 4, 2]))]), X22,
        np.repeat(X22, 2, axis=2))
    x4 = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    yield ("resize13_tf_crop_and_resize", model(
        helper.make_node("Resize", ["x", "roi", "", "sz"], ["y"], mode="linear",
                         coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-1.0), 13, x4,
        [("roi", np.array([0, 0, 0, 0, 1, 1, 1, 2], np.float32)), ("sz", np.array([1, 1, 4, 3]))]), x4,
        # rows: full range 0..3; columns: 0..6 over 3 samples -> 0, 3, 6 (6 is outside)
        np.array([[[[0, 3, -1], [4, 7, -1], [8, 11, -1], [12, 15, -1]]]], np.float32))
    yield ("resize18_axes_not_larger", model(
        helper.make_node("Resize", ["x", "", "", "sz"], ["y"], mode="nearest", axes=[2, 3],
                         keep_aspect_ratio_policy="not_larger", coordinate_transformation_mode="asymmetric",
                         nearest_mode="floor"), 18, X22, [("sz", np.array([6, 4]))]), X22,
        np.repeat(np.repeat(X22, 2, axis=2), 2, axis=3))
    x3 = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4)
    yield ("pad2_reflect_attributes", model(
        helper.make_node("Pad", ["x"], ["y"], mode="reflect", pads=[0, 0, 1, 2, 0, 0, 2, 1]), 2 + 5, x3), x3,
        np.pad(x3, [(0, 0), (0, 0), (1, 2), (2, 1)], mode="reflect"))
    yield ("pad2_constant_value", model(
        helper.make_node("Pad", ["x"], ["y"], pads=[0, 0, 1, 0, 0, 0, 0, 1], value=1.5), 7, x3), x3,
        np.pad(x3, [(0, 0), (0, 0), (1, 0), (0, 1)], constant_values=1.5))
    c = np.array([2.0, 0.5], np.float32)
    xb = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    bn = [("sc", c), ("b", np.array([1, -1], np.float32)), ("m", np.array([1, 2], np.float32)),
          ("v", np.array([4, 0.25], np.float32))]
    want = (xb - np.array([1, 2]).reshape(1, 2, 1, 1)) / np.sqrt(np.array([4, 0.25]).reshape(1, 2, 1, 1) + 0.01)
    want = want * c.reshape(1, 2, 1, 1) + np.array([1, -1]).reshape(1, 2, 1, 1)
    yield ("batchnorm7_spatial1", model(helper.make_node("BatchNormalization", ["x", "sc", "b", "m", "v"], ["y"],
                                                         epsilon=0.01, spatial=1), 7, xb, bn), xb, want)
    yield ("batchnorm7_spatial0_refused", model(helper.make_node("BatchNormalization", ["x", "sc", "b", "m", "v"],
                                                                 ["y"], spatial=0), 7, xb, bn), xb, "spatial=0")
    yield ("upsample9_cubic_refused", model(helper.make_node("Upsample", ["x", "s"], ["y"], mode="cubic"), 9, X22,
                                            [("s", np.array([1, 1, 2, 2], np.float32))]), X22, "mode 'cubic'")


def main():
    segrt, work = sys.argv[1], sys.argv[2]
    fails = 0
    for name, m, x, want in cases():
        path = f"{work}/{name}.onnx"
        onnx.save(m, path)
        np.save(f"{work}/{name}_x.npy", x)
        p = subprocess.run([segrt, "run", path, "-i", f"{work}/{name}_x.npy", "-o", f"{work}/{name}_y.npy",
                            "--backend", "ref"], capture_output=True, text=True)
        if isinstance(want, str):  # a refusal naming the attribute value, exit code 3
            ok = p.returncode == 3 and want in p.stderr
            why = f"exit {p.returncode}: {p.stderr.strip()}"
        elif p.returncode != 0:
            ok, why = False, f"exit {p.returncode}: {p.stderr.strip()}"
        else:
            got = np.load(f"{work}/{name}_y.npy")
            ok = got.shape == want.shape and np.allclose(got, want, rtol=1e-5, atol=1e-5)
            why = f"got {got.tolist()}, expected {np.asarray(want).tolist()}"
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + why))
        fails += not ok
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
