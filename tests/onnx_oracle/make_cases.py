#!/usr/bin/env python3
"""ONNX Runtime as an oracle: writes small single-op models over each op's
attribute space, at every default-domain opset (>= 7) where the op changed,
in the ONNX backend-test layout (CASE/model.onnx, CASE/test_data_set_0/
input_N.pb) plus raw inputs and a manifest.json for ort_run.js, which adds the
ONNX Runtime outputs. `segrt onnx-test` then compares segrt against them.

  make_cases.py OUT_DIR [--seed 0] [--only SUBSTRING]
  node ort_run.js OUT_DIR && make_cases.py OUT_DIR --collect

Models are written with the onnx helpers of Debian's python3-onnx (1.12,
whose checker stops at opset 17); opsets 18-23 are stamped into opset_import
directly and ONNX Runtime, which validates every node, acts as the checker.
A fixed seed keeps the cases (and so CI) deterministic.
"""
import argparse
import json
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx.mapping import NP_TYPE_TO_TENSOR_TYPE

I64 = TensorProto.INT64


class Case:
    """One model: a node list over named inputs (data fed at run time) and
    initializers (constants), at one opset."""

    def __init__(self, name, opset, nodes, inputs, outputs, inits=()):
        self.name, self.opset, self.nodes = name, opset, nodes
        self.inputs, self.outputs, self.inits = inputs, outputs, list(inits)
        self.atol = 1e-6  # absolute part of the comparison (near-zero outputs); rtol is always 1e-5


# ONNX Runtime accumulates these in float32: its own error near zero exceeds 1e-6.
LOOSER_ATOL = {"DFT": 1e-5, "GridSample": 1e-5}


def single(op, opset, inputs, n_out=1, inits=(), tag="", **attrs):
    """inputs: list of (name, np.ndarray, is_constant)."""
    ins = [n for n, _, _ in inputs]
    outs = [f"y{i}" for i in range(n_out)]
    node = helper.make_node(op, ins, outs, **attrs)
    feeds = [(n, a) for n, a, const in inputs if not const]
    consts = [numpy_helper.from_array(a, n) for n, a, const in inputs if const] + list(inits)
    name = f"{op.lower()}{'_' + tag if tag else ''}_op{opset}"
    case = Case(name, opset, [node], feeds, outs, consts)
    case.atol = LOOSER_ATOL.get(op, case.atol)
    return case


def rnd(rng, shape, lo=-3.0, hi=3.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


# Versions of each op's schema (onnx/defs changelog) from opset 7 on: a case
# is written at each, so every change a translator handles is exercised.
UNARY = {
    "Floor": ([7, 13], (-3, 3)), "Ceil": ([7, 13], (-3, 3)), "Round": ([11, 22], (-3, 3)),
    "Sign": ([9, 13], (-3, 3)), "Reciprocal": ([7, 13], (0.5, 3)), "Log": ([7, 13], (0.1, 5)),
    "Sin": ([7, 22], (-3, 3)), "Cos": ([7, 22], (-3, 3)), "Tan": ([7, 22], (-1.2, 1.2)),
    "Asin": ([7, 22], (-0.99, 0.99)), "Acos": ([7, 22], (-0.99, 0.99)), "Atan": ([7, 22], (-3, 3)),
    "Sinh": ([9, 22], (-3, 3)), "Cosh": ([9, 22], (-3, 3)), "Asinh": ([9, 22], (-3, 3)),
    "Acosh": ([9, 22], (1.01, 5)), "Atanh": ([9, 22], (-0.99, 0.99)),
}
REDUCE = ["ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
          "ReduceLogSumExp", "ReduceSumSquare", "ReduceMean"]


def unary_cases(rng):
    for op, (versions, (lo, hi)) in UNARY.items():
        for v in versions:
            x = rnd(rng, (2, 3, 5), lo, hi)
            if op == "Round":
                x[0, 0, :4] = [0.5, 1.5, 2.5, -2.5]  # ties go to even
            yield single(op, v, [("x", x, False)])
    for v in [9, 13]:
        yield single("Shrink", v, [("x", rnd(rng, (3, 7)), False)], lambd=0.7, bias=0.2)
        yield single("Shrink", v, [("x", rnd(rng, (3, 7)), False)], tag="default")
    for v in [9, 13, 20]:
        x = rnd(rng, (4, 5))
        x[0, :3] = [np.nan, np.inf, -np.inf]
        yield single("IsNaN", v, [("x", x, False)])
        if v >= 10:
            for pos, neg in [(1, 1), (1, 0), (0, 1)]:
                yield single("IsInf", v, [("x", x, False)], tag=f"p{pos}n{neg}", detect_positive=pos, detect_negative=neg)


def compare_cases(rng):
    shapes = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5))]
    versions = {"Equal": [7, 11, 13, 19], "Less": [7, 9, 13], "Greater": [7, 9, 13], "LessOrEqual": [12, 16],
                "GreaterOrEqual": [12, 16]}
    for op, vs in versions.items():
        for v in vs:
            for k, (sa, sb) in enumerate(shapes if op != "Equal" or v >= 11 else []):  # Equal-7: integers only
                a = np.round(rnd(rng, sa)).astype(np.float32)
                b = np.round(rnd(rng, sb)).astype(np.float32)
                yield single(op, v, [("a", a, False), ("b", b, False)], tag=f"f{k}")
            if v >= 11 or op in ("Equal",):
                a = rng.integers(-3, 3, size=(3, 4)).astype(np.int64)
                yield single(op, v, [("a", a, False), ("b", rng.integers(-3, 3, size=(4,)).astype(np.int64), False)],
                             tag="i64")
    for op in ["And", "Or", "Xor"]:
        a, b = rng.random((3, 4)) > 0.5, rng.random((2, 1, 4)) > 0.5
        yield single(op, 7, [("a", a, False), ("b", b, False)])
    yield single("Not", 7, [("a", rng.random((3, 4)) > 0.5, False)])
    for v in [9, 16]:
        c = rng.random((3, 1)) > 0.5
        yield single("Where", v, [("c", c, False), ("x", rnd(rng, (3, 4)), False), ("y", rnd(rng, (4,)), False)])
        yield single("Where", v, [("c", c, False), ("x", rng.integers(0, 9, (1, 4)).astype(np.int64), False),
                                  ("y", rng.integers(0, 9, (3, 4)).astype(np.int64), False)], tag="i64")
    for v in [10, 13]:
        a = rng.integers(-9, 9, size=(3, 4)).astype(np.int64)
        b = rng.choice([-4, -3, 2, 5], size=(4,)).astype(np.int64)
        for fm in [0, 1]:
            yield single("Mod", v, [("a", a, False), ("b", b, False)], tag=f"i64_fmod{fm}", fmod=fm)
        yield single("Mod", v, [("a", rnd(rng, (3, 4)), False), ("b", rnd(rng, (4,), 0.5, 2), False)], tag="f", fmod=1)
    for v in [7, 8, 13]:
        shapes = [(3, 4)] * 3 if v < 8 else [(3, 4), (4,), (1, 4)]
        yield single("Mean", v, [(f"x{i}", rnd(rng, s), False) for i, s in enumerate(shapes)])
    for v in [15, 19, 21]:
        yield single("CastLike", v, [("x", rnd(rng, (3, 4)) * 10, False), ("t", np.zeros(1, np.int64), True)])
        yield single("CastLike", v, [("x", rng.integers(-5, 5, (3, 4)).astype(np.int64), False),
                                     ("t", np.zeros(1, np.float32), True)], tag="to_f")


def axes_form(op, v, x, axes, keepdims, tag):
    """Reductions take axes as an attribute until opset 18 (13 for ReduceSum)."""
    as_input = v >= 18 or (op == "ReduceSum" and v >= 13)
    attrs = {"keepdims": keepdims}
    ins = [("x", x, False)]
    if axes is not None:
        if as_input:
            ins.append(("axes", np.array(axes, np.int64), True))
        else:
            attrs["axes"] = axes
    return single(op, v, ins, tag=tag, **attrs)


def reduce_cases(rng):
    for op in REDUCE:
        versions = [11, 13, 18] + ([20] if op in ("ReduceMax", "ReduceMin") else [])
        if op == "ReduceSum":
            versions = [11, 13]
        for v in versions:
            lo = 0.1 if op == "ReduceLogSum" else -2
            x = rnd(rng, (2, 3, 4, 5), lo, 2)
            for k, (axes, kd) in enumerate([([1], 1), ([0, 2], 0), ([-1], 1), (None, 0), ([1, 2, 3], 1)]):
                yield axes_form(op, v, x, axes, kd, f"a{k}")
    for v in [11, 12, 13]:
        x = np.round(rnd(rng, (3, 4, 5)))  # ties, so select_last_index matters
        for axis, kd in [(0, 1), (-1, 0), (1, 1)]:
            attrs = {"axis": axis, "keepdims": kd}
            yield single("ArgMin", v, [("x", x, False)], tag=f"ax{axis}_kd{kd}", **attrs)
            yield single("ArgMax", v, [("x", x, False)], tag=f"ax{axis}_kd{kd}", **attrs)
            if v >= 12:
                yield single("ArgMin", v, [("x", x, False)], tag=f"ax{axis}_kd{kd}_last", select_last_index=1, **attrs)
    for v in [7, 10, 11]:
        x = rnd(rng, (3, 4, 6))
        for axis, k, largest in [(-1, 3, 1), (1, 2, 0), (0, 1, 1), (2, 6, 0)]:
            if v < 10:
                if largest == 0:
                    continue
                yield single("TopK", v, [("x", x, False)], n_out=2, tag=f"ax{axis}_k{k}", axis=axis, k=k)
            else:
                attrs = {"axis": axis} if v < 11 else {"axis": axis, "largest": largest}
                if v < 11 and largest == 0:
                    continue
                yield single("TopK", v, [("x", x, False), ("k", np.array([k], np.int64), True)], n_out=2,
                             tag=f"ax{axis}_k{k}_l{largest}", **attrs)
    for v in [11, 14]:
        x = rnd(rng, (3, 4, 5))
        for axis in [0, -1]:
            for ex, rev in [(0, 0), (1, 0), (0, 1), (1, 1)]:
                yield single("CumSum", v, [("x", x, False), ("axis", np.array(axis, np.int64), True)],
                             tag=f"ax{axis}_e{ex}r{rev}", exclusive=ex, reverse=rev)
    for v in [7, 11, 13]:
        x = rnd(rng, (2, 3, 4))
        for axis in ([0, 1, 2] if v < 13 else [0, -1, 1]):
            yield single("Hardmax", v, [("x", x, False)], tag=f"ax{axis}", axis=axis)


def index_cases(rng):
    for v in [7, 13, 19, 21]:
        yield single("Size", v, [("x", rnd(rng, (2, 3, 5)), False)])
    yield single("Range", 11, [("s", np.array(1.5, np.float32), True), ("l", np.array(7.0, np.float32), True),
                               ("d", np.array(0.7, np.float32), True)], tag="f")
    yield single("Range", 11, [("s", np.array(10, np.int64), True), ("l", np.array(-3, np.int64), True),
                               ("d", np.array(-3, np.int64), True)], tag="i64")
    for v in [7, 13]:
        yield single("Tile", v, [("x", rnd(rng, (2, 3)), False), ("r", np.array([3, 2], np.int64), True)])
    for v in [11, 13]:
        x = rnd(rng, (3, 4, 5))
        for axis in [0, 1, -1]:
            shp = list(x.shape)
            shp[axis] = 3
            idx = rng.integers(-x.shape[axis], x.shape[axis], size=shp).astype(np.int64)
            yield single("GatherElements", v, [("x", x, False), ("i", idx, True)], tag=f"ax{axis}", axis=axis)
            upd = rnd(rng, shp)
            uniq = np.argsort(rng.random(x.shape), axis=axis).take(range(3), axis=axis).astype(np.int64)
            yield single("ScatterElements", v, [("x", x, False), ("i", uniq, True), ("u", upd, False)],
                         tag=f"ax{axis}", axis=axis)
        for b in ([0] if v < 12 else [0, 1]):
            data = rnd(rng, (2, 3, 4))
            idx = np.stack([rng.integers(0, 3, size=(2, 2)), rng.integers(0, 4, size=(2, 2))], -1).astype(np.int64)
            if b == 0:
                idx = np.concatenate([rng.integers(0, 2, size=(2, 2, 1)), idx[..., :1]], -1).astype(np.int64)
            attrs = {"batch_dims": b} if v >= 12 else {}
            yield single("GatherND", v, [("x", data, False), ("i", idx, True)], tag=f"b{b}", **attrs)
        data = rnd(rng, (4, 3, 2))
        idx = np.array([[1], [3], [0]], np.int64)
        yield single("ScatterND", v, [("x", data, False), ("i", idx, True), ("u", rnd(rng, (3, 3, 2)), False)])
    for v in [16, 18]:
        x = rnd(rng, (4, 5))
        idx = np.array([[0, 1, 0, 2, 3]], np.int64)
        for red in (["add", "mul"] + (["max", "min"] if v >= 18 else [])):
            yield single("ScatterElements", v, [("x", x, False), ("i", idx, True), ("u", rnd(rng, (1, 5)), False)],
                         tag=red, reduction=red)
            yield single("ScatterND", v, [("x", x, False), ("i", np.array([[1], [1], [3]], np.int64), True),
                                          ("u", rnd(rng, (3, 5)), False)], tag=red, reduction=red)
    for v in [9, 13]:
        yield single("NonZero", v, [("x", (rng.random((3, 4)) > 0.6).astype(np.float32), True)])
    for v in [9, 11]:
        idx = np.array([[0, 3, -1], [2, 1, 4]], np.int64) if v >= 11 else np.array([[0, 3, 1], [2, 1, 4]], np.int64)
        for axis in [-1, 0, 1]:
            yield single("OneHot", v, [("i", idx, False), ("d", np.array(5, np.int64), True),
                                       ("vals", np.array([-1.0, 2.0], np.float32), True)], tag=f"ax{axis}", axis=axis)
    x = rnd(rng, (2, 4, 5))
    for up in [0, 1]:
        for k in [-1, 0, 2]:
            yield single("Trilu", 14, [("x", x, False), ("k", np.array(k, np.int64), True)], tag=f"u{up}k{k}", upper=up)
    for v in [9, 22]:
        for k in [0, 1, -2]:
            yield single("EyeLike", v, [("x", rnd(rng, (4, 5)), False)], tag=f"k{k}", k=k)
    for v in [9, 11]:
        cond = np.array([1, 0, 1], np.bool_)
        yield single("Compress", v, [("x", rnd(rng, (3, 4)), False), ("c", cond, True)], tag="ax0", axis=0)
        yield single("Compress", v, [("x", rnd(rng, (3, 4)), False), ("c", cond, True)], tag="flat")


def norm_cases(rng):
    for v in [17, 18, 23]:
        x = rnd(rng, (2, 3, 4, 5))
        for axis in [-1, 2, 1]:
            shp = x.shape[axis:]
            yield single("LayerNormalization", v, [("x", x, False), ("s", rnd(rng, shp), True), ("b", rnd(rng, shp), True)],
                         tag=f"ax{axis}", axis=axis, epsilon=1e-3)
    for v in [18, 21]:
        x = rnd(rng, (2, 6, 3, 3))
        n = 3 if v < 21 else 6
        yield single("GroupNormalization", v, [("x", x, False), ("s", rnd(rng, (n,)), True), ("b", rnd(rng, (n,)), True)],
                     num_groups=3, epsilon=1e-4)
    for v in [7, 22]:
        for axis, p in [(-1, 2), (1, 1), (0, 2)]:
            yield single("LpNormalization", v, [("x", rnd(rng, (3, 4, 5)), False)], tag=f"ax{axis}p{p}", axis=axis, p=p)
    for v in [9, 13]:
        yield single("MeanVarianceNormalization", v, [("x", rnd(rng, (2, 3, 4, 5)), False)])
        yield single("MeanVarianceNormalization", v, [("x", rnd(rng, (2, 3, 4, 5)), False)], tag="ax23", axes=[2, 3])
    for v in [7, 13]:
        for size in [3, 5]:  # ONNX Runtime takes odd sizes only
            yield single("LRN", v, [("x", rnd(rng, (2, 7, 3, 3)), False)], tag=f"s{size}", size=size,
                         alpha=1e-3, beta=0.6, bias=1.5)


def spatial_cases(rng):
    for k, (eq, shapes) in enumerate([("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
                       ("ii->i", [(4, 4)]), ("ij->", [(3, 4)]), ("...ij,...jk", [(2, 3, 4), (2, 4, 2)]),
                       ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]), ("i,j->ij", [(3,), (4,)])]):
        ins = [(f"x{i}", rnd(rng, s), False) for i, s in enumerate(shapes)]
        yield single("Einsum", 12, ins, tag=str(k), equation=eq)
    x = rnd(rng, (1, 2, 4, 5))
    grid = rng.uniform(-1.2, 1.2, size=(1, 3, 4, 2)).astype(np.float32)
    for v in [16, 20]:
        for mode in ["bilinear", "nearest", "bicubic"]:
            for pad in ["zeros", "border", "reflection"]:
                for ac in [0, 1]:
                    m = mode if v < 20 else {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
                    yield single("GridSample", v, [("x", x, False), ("g", grid, False)], tag=f"{m}_{pad}_ac{ac}",
                                 mode=m, padding_mode=pad, align_corners=ac)
    x = rnd(rng, (2, 3, 10, 10))
    rois = np.array([[0, 0, 9, 9], [0, 5, 4, 9], [5, 5, 9.5, 9.5], [1.3, 2.2, 6.1, 8.7]], np.float32)
    bi = np.array([0, 1, 1, 0], np.int64)
    for v in [10, 16]:
        for mode in ["avg", "max"]:
            for sr in [0, 2]:
                attrs = dict(mode=mode, output_height=3, output_width=4, sampling_ratio=sr, spatial_scale=1.0)
                if v >= 16:
                    for ct in ["half_pixel", "output_half_pixel"]:
                        yield single("RoiAlign", v, [("x", x, False), ("r", rois, True), ("b", bi, True)],
                                     tag=f"{mode}_sr{sr}_{ct}", coordinate_transformation_mode=ct, **attrs)
                else:
                    yield single("RoiAlign", v, [("x", x, False), ("r", rois, True), ("b", bi, True)],
                                 tag=f"{mode}_sr{sr}", **attrs)
    for k, (img, blk, attrs) in enumerate([([5, 5], [2, 2], {}), ([6, 5], [3, 2], dict(strides=[2, 1], pads=[1, 0, 1, 1])),
                                           ([7, 7], [2, 3], dict(dilations=[2, 1]))]):
        cols = 1
        for d in range(2):
            pb, pe = (attrs.get("pads", [0] * 4)[d], attrs.get("pads", [0] * 4)[d + 2])
            dil, st = attrs.get("dilations", [1, 1])[d], attrs.get("strides", [1, 1])[d]
            cols *= (img[d] + pb + pe - dil * (blk[d] - 1) - 1) // st + 1
        yield single("Col2Im", 18, [("x", rnd(rng, (1, 2 * blk[0] * blk[1], cols)), False),
                                    ("i", np.array(img, np.int64), True), ("bs", np.array(blk, np.int64), True)],
                     tag=str(k), **attrs)


def opset_cases(rng):
    """Existing ops at the opsets whose changes the importer translates."""
    x = rnd(rng, (1, 2, 5, 6))
    # align_corners with a scale whose output length is fractional: ONNX's reference (and its test
    # data) divide by the fractional length, ONNX Runtime by the integer one; segrt follows the
    # reference, so the oracle uses whole lengths there (5 * 1.6 = 8).
    for v in [11, 13, 18, 19]:
        for mode, ct in [("linear", "half_pixel"), ("nearest", "asymmetric"), ("cubic", "align_corners")]:
            yield single("Resize", v, [("x", x, False), ("roi", np.zeros(0, np.float32), True),
                                       ("s", np.array([1, 1, 1.6, 2.0], np.float32), True)],
                         tag=f"{mode}_{ct}", mode=mode, coordinate_transformation_mode=ct)
    for sc in [(1.5, 2.0), (0.6, 1.7)]:
        yield single("Resize", 19, [("x", x, False), ("roi", np.zeros(0, np.float32), True),
                                    ("s", np.array([1, 1, *sc], np.float32), True)], tag=f"symmetric_{sc[0]}",
                     mode="linear", coordinate_transformation_mode="half_pixel_symmetric")
    for v in [18, 19]:
        yield single("Resize", v, [("x", x, False), ("roi", np.zeros(0, np.float32), True),
                                   ("s", np.zeros(0, np.float32), True), ("sz", np.array([9, 7], np.int64), True)],
                     tag="axes_sizes_notsmaller", mode="linear", axes=[2, 3], keep_aspect_ratio_policy="not_smaller")
    for v in [11, 13, 18, 19, 21, 23]:
        ins = [("x", x, False), ("p", np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64), True)]
        for mode in ["constant", "reflect", "edge"] + (["wrap"] if v >= 19 else []):
            yield single("Pad", v, ins, tag=mode, mode=mode)
    for v in [18, 21]:
        yield single("Pad", v, [("x", x, False), ("p", np.array([1, 2, 2, 1], np.int64), True),
                                ("c", np.array(0.5, np.float32), True), ("a", np.array([2, 3], np.int64), True)],
                     tag="axes", mode="constant")
    for v in [13, 18]:
        if v >= 18:
            yield single("Split", v, [("x", rnd(rng, (2, 7)), False)], n_out=3, tag="num_outputs", axis=1,
                         num_outputs=3)
        yield single("Split", v, [("x", rnd(rng, (2, 7)), False), ("s", np.array([2, 5], np.int64), True)], n_out=2,
                     axis=1)
    for v in [20, 22]:
        for approx in ["none", "tanh"]:
            yield single("Gelu", v, [("x", rnd(rng, (3, 5)), False)], tag=approx, approximate=approx)
    for v in [20, 23]:  # what third-party opset-20 files tripped on (issue 15)
        yield single("TopK", v, [("x", rnd(rng, (2, 9)), False), ("k", np.array([4], np.int64), True)], n_out=2,
                     axis=-1, largest=1, sorted=1)
        yield single("Floor", v, [("x", rnd(rng, (2, 9)), False)])
    for v in [19, 21, 23]:
        yield single("Reshape", v, [("x", rnd(rng, (2, 3, 4)), False), ("s", np.array([4, -1], np.int64), True)])
        yield single("Cast", v, [("x", rnd(rng, (3, 4)) * 5, False)], to=I64)
        yield single("Transpose", v, [("x", rnd(rng, (2, 3, 4)), False)], perm=[2, 0, 1])
        yield single("Flatten", v, [("x", rnd(rng, (2, 3, 4)), False)], axis=2)


def more_cases(rng):
    """Losses, detection, quantization, recurrent and spectral ops."""
    for v in [12, 13]:
        x = rnd(rng, (3, 5, 2))
        t = rng.integers(0, 5, size=(3, 2)).astype(np.int64)
        t[0, 0] = 1
        w = rng.uniform(0.5, 2, 5).astype(np.float32)
        for red in ["none", "sum", "mean"]:
            yield single("NegativeLogLikelihoodLoss", v, [("x", x, False), ("t", t, True)], tag=red, reduction=red)
            yield single("NegativeLogLikelihoodLoss", v, [("x", x, False), ("t", t, True), ("w", w, True)],
                         tag=red + "_w_ii", reduction=red, ignore_index=1)
            yield single("SoftmaxCrossEntropyLoss", v, [("x", x, False), ("t", t, True)], n_out=2, tag=red,
                         reduction=red)
            yield single("SoftmaxCrossEntropyLoss", v, [("x", x, False), ("t", t, True), ("w", w, True)], tag=red + "_w",
                         reduction=red)
    boxes = np.array([[[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [0, 10.1, 1, 11.1],
                       [0, 100, 1, 101]]], np.float32)
    scores = rng.random((1, 2, 6)).astype(np.float32)
    for v in [10, 11]:
        for k, (mx, iou, st) in enumerate([(3, 0.5, None), (2, 0.3, 0.2), (10, 0.0, None)]):
            ins = [("b", boxes, False), ("s", scores, False), ("m", np.array([mx], np.int64), True),
                   ("i", np.array([iou], np.float32), True)]
            if st is not None:
                ins.append(("t", np.array([st], np.float32), True))
            yield single("NonMaxSuppression", v, ins, tag=str(k))
        cb = boxes.copy()
        cb[..., 2:] = 1.0  # centre x, y, w, h
        yield single("NonMaxSuppression", v, [("b", cb, False), ("s", scores, False), ("m", np.array([4], np.int64), True),
                                              ("i", np.array([0.2], np.float32), True)], tag="center", center_point_box=1)
    for v in [10, 13, 19, 21]:
        x = rnd(rng, (2, 3, 4)) * 4
        for zdt in [np.uint8, np.int8]:
            zp = np.array(3 if zdt == np.uint8 else -2, zdt)
            yield single("QuantizeLinear", v, [("x", x, False), ("s", np.array(0.05, np.float32), True), ("z", zp, True)],
                         tag=np.dtype(zdt).name)
            q = rng.integers(0, 100, size=(2, 3, 4)).astype(zdt)
            yield single("DequantizeLinear", v, [("q", q, False), ("s", np.array(0.1, np.float32), True),
                                                 ("z", zp, True)], tag=np.dtype(zdt).name)
        if v >= 13:
            yield single("QuantizeLinear", v, [("x", x, False), ("s", np.array([0.05, 0.1, 0.2], np.float32), True),
                                               ("z", np.array([1, 2, 3], np.uint8), True)], tag="axis1", axis=1)
    yield single("DynamicQuantizeLinear", 11, [("x", rnd(rng, (3, 4)), False)], n_out=3)
    a = rng.integers(0, 255, size=(2, 4, 3)).astype(np.uint8)
    b = rng.integers(0, 255, size=(3, 5)).astype(np.uint8)
    yield single("MatMulInteger", 10, [("a", a, False), ("b", b, False), ("az", np.array(12, np.uint8), True),
                                       ("bz", np.array(7, np.uint8), True)])
    yield single("QLinearMatMul", 10, [("a", a, False), ("as", np.array(0.02, np.float32), True),
                                       ("az", np.array(12, np.uint8), True), ("b", b, False),
                                       ("bs", np.array(0.03, np.float32), True), ("bz", np.array(7, np.uint8), True),
                                       ("ys", np.array(4.0, np.float32), True), ("yz", np.array(10, np.uint8), True)])
    x8 = rng.integers(0, 255, size=(1, 2, 5, 5)).astype(np.uint8)
    w8 = rng.integers(0, 255, size=(3, 2, 3, 3)).astype(np.uint8)
    yield single("ConvInteger", 10, [("x", x8, False), ("w", w8, True), ("xz", np.array(100, np.uint8), True),
                                     ("wz", np.array(120, np.uint8), True)], pads=[1, 1, 1, 1])
    yield single("QLinearConv", 10, [("x", x8, False), ("xs", np.array(0.02, np.float32), True),
                                     ("xz", np.array(100, np.uint8), True), ("w", w8, True),
                                     ("ws", np.array([0.01, 0.02, 0.03], np.float32), True),
                                     ("wz", np.array(120, np.uint8), True), ("ys", np.array(0.5, np.float32), True),
                                     ("yz", np.array(128, np.uint8), True),
                                     ("bias", np.array([100, -50, 7], np.int32), True)], strides=[2, 2])
    seq, batch, inp, hid = 4, 2, 3, 5
    x = rnd(rng, (seq, batch, inp), -1, 1)
    for op, g in [("RNN", 1), ("GRU", 3), ("LSTM", 4)]:
        for v in [7, 14]:
            for dr in ["forward", "reverse", "bidirectional"]:
                d = 2 if dr == "bidirectional" else 1
                W = rnd(rng, (d, g * hid, inp), -0.5, 0.5)
                R = rnd(rng, (d, g * hid, hid), -0.5, 0.5)
                B = rnd(rng, (d, 2 * g * hid), -0.5, 0.5)
                lens = np.array([4, 2], np.int32)
                h0 = rnd(rng, (d, batch, hid), -0.5, 0.5)
                ins = [("x", x, False), ("w", W, True), ("r", R, True), ("b", B, True), ("l", lens, True), ("h", h0, True)]
                n_out = 3 if op == "LSTM" else 2
                attrs = {"direction": dr, "hidden_size": hid}
                if op == "GRU":
                    attrs["linear_before_reset"] = 1 if dr == "forward" else 0
                yield single(op, v, ins, n_out=n_out, tag=dr, **attrs)
            if op == "LSTM":
                P = rnd(rng, (1, 3 * hid), -0.5, 0.5)
                c0 = rnd(rng, (1, batch, hid), -0.5, 0.5)
                W = rnd(rng, (1, 4 * hid, inp), -0.5, 0.5)
                R = rnd(rng, (1, 4 * hid, hid), -0.5, 0.5)
                ins = [("x", x, False), ("w", W, True), ("r", R, True), ("b", np.zeros((1, 8 * hid), np.float32), True),
                       ("l", np.array([4, 4], np.int32), True), ("h", np.zeros((1, batch, hid), np.float32), True),
                       ("c", c0, True), ("p", P, True)]
                yield single(op, v, ins, n_out=3, tag="peephole_clip", hidden_size=hid, clip=0.7)
    for v in [17]:
        xr = rnd(rng, (2, 6, 1))
        xc = rnd(rng, (2, 6, 2))
        yield single("DFT", v, [("x", xr, False)], tag="real")
        yield single("DFT", v, [("x", xc, False)], tag="complex_inv", inverse=1)
        yield single("DFT", v, [("x", xr, False), ("n", np.array(8, np.int64), True)], tag="len8_onesided", onesided=1)
        yield single("DFT", v, [("x", rnd(rng, (3, 4, 5, 2)), False)], tag="axis2", axis=2)
    for v in [17]:
        for op in ["HannWindow", "HammingWindow", "BlackmanWindow"]:
            for per in [0, 1]:
                yield single(op, v, [("n", np.array(10, np.int64), True)], tag=f"p{per}", periodic=per)
    x = np.array([[1, 3, 1], [2, 0, 2], [1, 3, 1], [0, 5, 5]], np.float32)
    for sorted_ in [0, 1]:
        yield single("Unique", 11, [("x", x, True)], n_out=4, tag=f"s{sorted_}", sorted=sorted_)
        yield single("Unique", 11, [("x", x, True)], n_out=4, tag=f"s{sorted_}_ax0", sorted=sorted_, axis=0)
    for v in [10]:
        xs = rnd(rng, (4, 3, 2))
        yield single("ReverseSequence", v, [("x", xs, False), ("l", np.array([4, 1, 3], np.int64), True)], tag="tmajor")
        yield single("ReverseSequence", v, [("x", xs, False), ("l", np.array([2, 3, 1, 3], np.int64), True)],
                     tag="bmajor", time_axis=1, batch_axis=0)
    yield single("Det", 11, [("x", rnd(rng, (2, 3, 3)), False)])
    xp = rnd(rng, (1, 2, 2, 2))
    idx = np.array([[[[0, 3], [9, 14]], [[16, 19], [25, 30]]]], np.int64)
    yield single("MaxUnpool", 11, [("x", xp, False), ("i", idx, True)], kernel_shape=[2, 2], strides=[2, 2])

def f8_const(name, code, shape=()):
    """A zero float8 initializer (FLOAT8E4M3FN = 17, FLOAT8E5M2 = 19): numpy and onnx 1.12 lack the types."""
    t = TensorProto()
    t.name, t.data_type = name, code
    t.dims.extend(shape)
    t.raw_data = bytes(int(np.prod(shape)) if shape else 1)
    return t


def qdq_convnet(rng, x_zp):
    """A small QDQ-quantized conv net, as ONNX Runtime's quantize_static writes them: per-tensor uint8
    activations (zero point x_zp), per-channel int8 weights, int32 biases, Relu between Q/DQ pairs."""
    nodes, inits = [], []
    def const(name, a):
        inits.append(numpy_helper.from_array(a, name))
        return name
    def qdq(x, scale, tag):
        s, z = const(f"{tag}_s", np.array(scale, np.float32)), const(f"{tag}_z", np.array(x_zp, np.uint8))
        nodes.append(helper.make_node("QuantizeLinear", [x, s, z], [f"{tag}_q"]))
        nodes.append(helper.make_node("DequantizeLinear", [f"{tag}_q", s, z], [f"{tag}_dq"]))
        return f"{tag}_dq", scale
    def conv(x, xscale, cin, cout, k, tag, relu):
        w = rng.uniform(-1, 1, size=(cout, cin, k, k)).astype(np.float32)
        ws = (np.abs(w).reshape(cout, -1).max(1) / 127).astype(np.float32)
        wq = np.clip(np.round(w / ws[:, None, None, None]), -127, 127).astype(np.int8)
        nodes.append(helper.make_node("DequantizeLinear", [const(f"{tag}_wq", wq), const(f"{tag}_ws", ws),
                                                           const(f"{tag}_wz", np.zeros(cout, np.int8))],
                                      [f"{tag}_w"], axis=0))
        bs = (xscale * ws).astype(np.float32)
        bq = rng.integers(-200, 200, size=cout).astype(np.int32)
        nodes.append(helper.make_node("DequantizeLinear", [const(f"{tag}_bq", bq), const(f"{tag}_bs", bs),
                                                           const(f"{tag}_bz", np.zeros(cout, np.int32))],
                                      [f"{tag}_b"], axis=0))
        out = f"{tag}_y"
        nodes.append(helper.make_node("Conv", [x, f"{tag}_w", f"{tag}_b"], [out + ("_pre" if relu else "")],
                                      pads=[k // 2] * 4))
        if relu:
            nodes.append(helper.make_node("Relu", [out + "_pre"], [out]))
        return out
    x = rnd(rng, (1, 3, 13, 11), 0.0, 1.0)
    h, s = qdq("x", 1 / 255, "in")
    h = conv(h, s, 3, 8, 3, "c1", True)
    h, s = qdq(h, 0.02, "a1")
    h = conv(h, s, 8, 8, 3, "c2", True)
    h, s = qdq(h, 0.02, "a2")
    nodes.append(helper.make_node("MaxPool", [h], ["p"], kernel_shape=[2, 2], strides=[2, 2]))
    h, s = qdq("p", 0.02, "a3")
    h = conv(h, s, 8, 4, 1, "c3", False)
    nodes.append(helper.make_node("Identity", [h], ["y0"]))
    return Case(f"qdq_convnet_zp{x_zp}_op13", 13, nodes, [("x", x)], ["y0"], inits)


def quant_cases(rng):
    """QDQ beyond Debian's test data: float8 (opset 19+, both saturations), blocked scales (opset 21) and a
    QDQ conv net (the int8 pass fuses it into QLinearConv on the fast backends)."""
    x = rnd(rng, (2, 3, 4)) * 100
    x[0, 0, :2] = [1e6, -1e6]  # beyond both formats' range
    for v in [19, 21]:
        for code, tag in [(17, "e4m3fn"), (19, "e5m2")]:
            for sat in [1, 0]:
                nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], saturate=sat),
                         helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y0"])]
                inits = [numpy_helper.from_array(np.array(0.5, np.float32), "s"), f8_const("z", code)]
                yield Case(f"qdq_{tag}_sat{sat}_op{v}", v, nodes, [("x", x)], ["y0"], inits)
    xb = rnd(rng, (2, 6, 4))
    sb = rng.uniform(0.01, 0.05, size=(2, 2, 4)).astype(np.float32)  # axis 1 in blocks of 3
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], axis=1, block_size=3),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y0"], axis=1, block_size=3)]
    zb = numpy_helper.from_array(rng.integers(-5, 5, size=(2, 2, 4)).astype(np.int8), "z")
    yield Case("qdq_blocked_op21", 21, nodes, [("x", xb)], ["y0"],
               [numpy_helper.from_array(sb, "s"), zb])
    for zp in [0, 128]:
        yield qdq_convnet(rng, zp)


def vinfo(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


F32, BOOL = TensorProto.FLOAT, TensorProto.BOOL


def control_flow_cases(rng):
    """If / Loop / Scan whose condition, trip count or length is known when segrt specialises (an initializer,
    a value computed from input shapes, the scan axis): segrt inlines / unrolls them (passes/inline_control_flow.cpp).
    Subgraphs read values of the enclosing graph by name, as exporters write them."""
    def init(name, a):
        return numpy_helper.from_array(np.asarray(a), name)
    then_g = helper.make_graph([helper.make_node("Relu", ["x"], ["t1"]), helper.make_node("Mul", ["t1", "two"], ["t"])],
                               "then", [], [vinfo("t", F32, (3, 4))])
    else_g = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["e1"]), helper.make_node("Add", ["e1", "bias"], ["e"])],
                               "else", [], [vinfo("e", F32, (3, 4))])
    for v in [7, 11, 13, 16, 19, 21]:
        for c in [True, False]:
            yield Case(f"if_const_{str(c).lower()}_op{v}", v,
                       [helper.make_node("If", ["c"], ["y0"], then_branch=then_g, else_branch=else_g)],
                       [("x", rnd(rng, (3, 4)))], ["y0"],
                       [init("c", np.array(c)), init("two", np.float32(2)), init("bias", rnd(rng, (4,)))])
    # The condition from the input's shape (folds once shapes are known); a nested If in the then branch.
    inner = helper.make_node("If", ["c2"], ["n"], then_branch=then_g, else_branch=else_g)
    nested_then = helper.make_graph([inner, helper.make_node("Neg", ["n"], ["nt"])], "nested_then", [],
                                    [vinfo("nt", F32, (3, 4))])
    for v in [11, 16]:
        nodes = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("ReduceProd", ["s"], ["numel"], keepdims=0),
                 helper.make_node("Greater", ["numel", "ten"], ["c"]),
                 helper.make_node("If", ["c"], ["y0"], then_branch=nested_then, else_branch=else_g)]
        for c2 in [True, False]:
            yield Case(f"if_nested_shape_cond_{str(c2).lower()}_op{v}", v, nodes, [("x", rnd(rng, (3, 4)))], ["y0"],
                       [init("ten", np.int64(10)), init("c2", np.array(c2)), init("two", np.float32(2)),
                        init("bias", rnd(rng, (4,)))])
    # Loop: v' = v * 0.5 + x + float(i); scan output Relu(v'); the body's condition i < stop.
    def loop_body(stop):
        nodes = [helper.make_node("Cast", ["i"], ["fi"], to=F32), helper.make_node("Mul", ["v", "half"], ["vh"]),
                 helper.make_node("Add", ["vh", "x"], ["vx"]), helper.make_node("Add", ["vx", "fi"], ["v2"]),
                 helper.make_node("Relu", ["v2"], ["r"])]
        if stop is None:
            nodes.append(helper.make_node("Identity", ["cin"], ["cout"]))
        else:
            nodes.append(helper.make_node("Less", ["fi", "stop"], ["cout"]))  # float: Less-7 takes no int64
        return helper.make_graph(nodes, "body", [vinfo("i", I64, ()), vinfo("cin", BOOL, ()), vinfo("v", F32, (2, 3))],
                                 [vinfo("cout", BOOL, ()), vinfo("v2", F32, (2, 3)), vinfo("r", F32, (2, 3))])
    for v in [7, 11, 13, 16, 19, 21]:
        for tag, trips, cond, stop in [("m4", 4, True, None), ("early_exit", 10, True, 2), ("for", 3, None, None)]:
            inits = [init("M", np.int64(trips)), init("v0", rnd(rng, (2, 3))), init("half", np.float32(0.5)),
                     init("stop", np.float32(stop if stop is not None else 0))]
            ins = ["M", ""]
            if cond is not None:
                inits.append(init("cond", np.array(cond)))
                ins[1] = "cond"
            node = helper.make_node("Loop", ins + ["v0"], ["y0", "y1"], body=loop_body(stop))
            yield Case(f"loop_{tag}_op{v}", v, [node], [("x", rnd(rng, (2, 3)))], ["y0", "y1"], inits)
    # Scan: running sum over axis 1 (forwards / backwards), outputs stacked on axis 1 (or reversed).
    body = helper.make_graph([helper.make_node("Add", ["h", "xt"], ["h2"]), helper.make_node("Mul", ["h2", "w"], ["o"])],
                             "scan_body", [vinfo("h", F32, (2,)), vinfo("xt", F32, (2,))],
                             [vinfo("h2", F32, (2,)), vinfo("o", F32, (2,))])
    for v in [9, 11, 16, 19, 21]:
        for tag, attrs in [("fwd", {}), ("axes1_rev", dict(scan_input_axes=[1], scan_input_directions=[1],
                                                            scan_output_axes=[1], scan_output_directions=[1]))]:
            x = rnd(rng, (4, 2)) if not attrs else rnd(rng, (2, 4))
            node = helper.make_node("Scan", ["h0", "x"], ["y0", "y1"], body=body, num_scan_inputs=1, **attrs)
            yield Case(f"scan_{tag}_op{v}", v, [node], [("h0", rnd(rng, (2,))), ("x", x)], ["y0", "y1"],
                       [init("w", rnd(rng, (2,)))])


GROUPS = [more_cases, unary_cases, compare_cases, reduce_cases, index_cases, norm_cases, spatial_cases, opset_cases, quant_cases,
          control_flow_cases]


def write(case, out_dir):
    """Cases are grouped by tolerance: OUT/atol<value>/<case>."""
    d = os.path.join(out_dir, f"atol{case.atol:g}", case.name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    vis = [helper.make_tensor_value_info(n, NP_TYPE_TO_TENSOR_TYPE[a.dtype], a.shape) for n, a in case.inputs]
    outs = [helper.make_empty_tensor_value_info(o) for o in case.outputs]
    graph = helper.make_graph(case.nodes, case.name, vis, outs, initializer=case.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", case.opset)], producer_name="segrt-oracle")
    model.ir_version = 7 if case.opset < 15 else 8
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    manifest = {"inputs": [], "outputs": case.outputs}
    for i, (n, a) in enumerate(case.inputs):
        with open(os.path.join(d, "test_data_set_0", f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())
        raw = f"raw_input_{i}.bin"
        np.ascontiguousarray(a).tofile(os.path.join(d, raw))
        manifest["inputs"].append({"name": n, "dtype": str(a.dtype), "dims": list(a.shape), "file": raw})
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(manifest, f)


ORT_TYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32, "uint8": np.uint8,
             "int8": np.int8, "bool": np.bool_}


def collect(out_dir):
    """Turns ort_run.js's raw outputs into output_N.pb; returns the cases ONNX Runtime refused."""
    refused = []
    for group in sorted(os.listdir(out_dir)):
        for case in sorted(os.listdir(os.path.join(out_dir, group))):
            d = os.path.join(out_dir, group, case)
            if not os.path.exists(os.path.join(d, "ort_outputs.json")):
                continue
            with open(os.path.join(d, "ort_outputs.json")) as f:
                res = json.load(f)
            if "error" in res:
                refused.append(f"{case}: {res['error']}")
                continue
            for i, o in enumerate(res["outputs"]):
                a = np.fromfile(os.path.join(d, o["file"]), dtype=ORT_TYPES[o["type"]]).reshape(o["dims"])
                with open(os.path.join(d, "test_data_set_0", f"output_{i}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(a, o["name"]).SerializeToString())
    return refused


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="")
    ap.add_argument("--collect", action="store_true", help="write output_N.pb from ort_run.js's results")
    a = ap.parse_args()
    if a.collect:
        refused = collect(a.out_dir)
        for r in refused:
            print("ORT REFUSED", r)
        raise SystemExit(1 if refused else 0)
    rng = np.random.default_rng(a.seed)
    names = set()
    n = 0
    for group in GROUPS:
        for case in group(rng):
            assert case.name not in names, case.name
            names.add(case.name)
            if a.only and a.only.lower() not in case.name.lower():  # ORACLE_ONLY=If or =if_
                continue
            write(case, a.out_dir)
            n += 1
    print(f"{n} cases in {a.out_dir}")


if __name__ == "__main__":
    main()
