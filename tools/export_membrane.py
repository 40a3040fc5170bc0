#!/usr/bin/env python3
"""Export the trained membrane U-Net to ONNX and re-check it on the CPU.

Usage:
    /usr/bin/python3 tools/export_membrane.py --pt OUT/membrane_unet.pt \
        --gpu-metrics OUT/metrics_gpu.json --data DIR --out-dir models

Runs with Debian's CPU PyTorch 1.13 and python3-onnx 1.12 (no onnxruntime needed).
--data is the same directory train_membrane.py used (DIR/image, DIR/label).

Writes, in --out-dir:
    membrane_unet.onnx          opset 13, input 'image' [N,1,H,W] float32 (pixel/255),
                                output 'membrane_prob' [N,1,H,W] = P(membrane);
                                batch, height and width are dynamic (H, W multiples of 16);
                                eval mode, do_constant_folding=True (BatchNorm folded into Conv)
    membrane_unet.onnx.sha256   sha256sum output
    membrane_unet.metrics.json  GPU metrics from training + the CPU re-check below

The CPU re-check runs the 5 validation images (25..29, full 512x512) through
(a) the PyTorch model loaded from the .pt and (b) the exported ONNX graph itself,
executed by the small NumPy interpreter in this file (it handles exactly the ops
the graph contains and refuses others), and reports pixel accuracy and membrane
Dice at threshold 0.5 for both, plus the largest |difference| between them.
"""
import argparse
import hashlib
import json
import os
import sys
from collections import Counter

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_membrane import UNet, VAL_IDS, load_pngs, summarize, val_metrics  # noqa: E402


# ---------------------------------------------------------------- NumPy ONNX interpreter
def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, a):
    assert a.get("group", 1) == 1
    dil = a.get("dilations", [1, 1])
    st = a.get("strides", [1, 1])
    assert list(dil) == [1, 1] and list(st) == [1, 1], (dil, st)
    kh, kw = w.shape[2], w.shape[3]
    pads = a.get("pads", [0, 0, 0, 0])
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    n, c, h, wd = x.shape
    oh, ow = h - kh + 1, wd - kw + 1
    co = w.shape[0]
    out = np.empty((n, co, oh, ow), np.float32)
    wm = w.reshape(co, -1)
    for i in range(n):
        cols = np.empty((c, kh, kw, oh, ow), np.float32)
        for dy in range(kh):
            for dx in range(kw):
                cols[:, dy, dx] = x[i, :, dy:dy + oh, dx:dx + ow]
        out[i] = (wm @ cols.reshape(c * kh * kw, oh * ow)).reshape(co, oh, ow)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _maxpool(x, a):
    k = list(a["kernel_shape"])
    st = list(a.get("strides", k))
    assert k == [2, 2] and st == [2, 2] and not any(a.get("pads", [0] * 4))
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def _resize(x, inputs, a):
    assert a.get("mode", b"nearest") in (b"nearest", "nearest"), a
    scales = inputs[2] if len(inputs) > 2 and inputs[2] is not None and inputs[2].size else None
    sizes = inputs[3] if len(inputs) > 3 and inputs[3] is not None else None
    if scales is not None:
        s = [float(v) for v in scales]
    else:
        s = [o / i for o, i in zip(sizes, x.shape)]
    assert s[0] == 1 and s[1] == 1 and s[2] == 2 and s[3] == 2, s
    return x.repeat(2, axis=2).repeat(2, axis=3)


def run_onnx_numpy(model, feeds):
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        ins = [env[i] if i else None for i in node.input]
        a = _attrs(node)
        op = node.op_type
        if op == "Conv":
            out = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "MaxPool":
            out = _maxpool(ins[0], a)
        elif op == "Resize":
            out = _resize(ins[0], ins, a)
        elif op == "Concat":
            out = np.concatenate(ins, axis=a["axis"])
        elif op == "Sigmoid":
            out = 1.0 / (1.0 + np.exp(-ins[0]))
        elif op == "Constant":
            out = numpy_helper.to_array(a["value"])
        else:
            raise NotImplementedError(f"op {op} not handled by the NumPy checker")
        env[node.output[0]] = out.astype(np.float32) if out.dtype == np.float64 else out
    return [env[o.name] for o in model.graph.output]


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pt", required=True)
    ap.add_argument("--gpu-metrics", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out-dir", default="models")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, "membrane_unet.onnx")

    torch.manual_seed(0)
    model = UNet(16)
    model.load_state_dict(torch.load(args.pt, map_location="cpu"))
    model.eval()

    dummy = torch.rand(1, 1, 512, 512)
    torch.onnx.export(
        model, dummy, onnx_path,
        export_params=True, opset_version=13, do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
        input_names=["image"], output_names=["membrane_prob"],
        dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"},
                      "membrane_prob": {0: "batch", 2: "height", 3: "width"}},
    )
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    ops = Counter(n.op_type for n in m.graph.node)
    assert "BatchNormalization" not in ops, ops

    def shape(vi):
        return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]

    io = {"inputs": {i.name: shape(i) for i in m.graph.input},
          "outputs": {o.name: shape(o) for o in m.graph.output}}
    print("onnx io:", io)
    print("onnx ops:", dict(sorted(ops.items())))

    va_x, va_y = load_pngs(args.data, VAL_IDS)
    with torch.no_grad():
        prob_t = model(va_x)
    per_t = val_metrics(prob_t, va_y)
    probs_o = []
    for k in range(va_x.shape[0]):
        probs_o.append(run_onnx_numpy(m, {"image": va_x[k:k + 1].numpy()})[0])
    prob_o = torch.from_numpy(np.concatenate(probs_o))
    per_o = val_metrics(prob_o, va_y)
    maxdiff = float((prob_o - prob_t).abs().max())
    flips = int(((prob_o > 0.5) != (prob_t > 0.5)).sum())
    for i, (a, d), (a2, d2) in zip(VAL_IDS, per_t, per_o):
        print(f"val image {i}: torch-cpu acc {a:.4f} dice {d:.4f} | onnx(numpy) acc {a2:.4f} dice {d2:.4f}")
    print(f"max |onnx - torch| = {maxdiff:.3e}, thresholded pixels that differ: {flips}")

    with open(args.gpu_metrics) as f:
        metrics = json.load(f)
    metrics["cpu_recheck_torch"] = summarize(VAL_IDS, per_t)
    metrics["cpu_recheck_torch"]["torch"] = torch.__version__
    metrics["cpu_recheck_onnx"] = summarize(VAL_IDS, per_o)
    metrics["cpu_recheck_onnx"]["runner"] = "NumPy interpreter in tools/export_membrane.py"
    metrics["cpu_recheck_onnx"]["max_abs_diff_vs_torch_cpu"] = maxdiff
    metrics["cpu_recheck_onnx"]["thresholded_pixels_differing_vs_torch_cpu"] = flips
    metrics["onnx"] = {
        "file": "membrane_unet.onnx", "opset": 13, "exporter": f"torch {torch.__version__}",
        "do_constant_folding": True, "io": io, "ops": dict(sorted(ops.items())),
        "input_preprocessing": "float32 NCHW, 1 channel, pixel/255",
        "output": "P(membrane) after Sigmoid; membrane where > 0.5",
    }
    metrics["export_command"] = "/usr/bin/python3 tools/export_membrane.py " + " ".join(sys.argv[1:])
    with open(os.path.join(args.out_dir, "membrane_unet.metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")

    digest = hashlib.sha256(open(onnx_path, "rb").read()).hexdigest()
    with open(onnx_path + ".sha256", "w") as f:
        f.write(f"{digest}  membrane_unet.onnx\n")
    print(f"{onnx_path}: {os.path.getsize(onnx_path)} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
