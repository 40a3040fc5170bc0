#!/usr/bin/env python3
"""segrt from Python, notebook style: each block is a cell.

    PYTHONPATH=build/python python3 examples/python/notebook.py [KERAS.h5] [--out DIR]

1. load a Keras .h5 (default: a U-Net of ../shared/models, else the bundled ONNX U-Net),
2. run it on NumPy data (NHWC in and out for Keras, as Keras holds them),
3. save every activation of the oracle as a reference .npz (the format of
   `segrt run --dump-activations`) and compare the engine's run against it layer by layer,
4. segment an EM image with the bundled U-Net and write its mask.
"""
import argparse
import os
import pathlib

import numpy as np

import segrt

ROOT = pathlib.Path(__file__).resolve().parents[2]
ap = argparse.ArgumentParser()
ap.add_argument("model", nargs="?", default=ROOT.parent / "shared/models/hershey890-Image_Segmentation_STM32/unet_1.h5")
ap.add_argument("--out", default="notebook-out")
args = ap.parse_args()
out = pathlib.Path(args.out)
out.mkdir(exist_ok=True)
model = pathlib.Path(args.model)
if not model.exists():
    print(f"{model} is absent: using the bundled ONNX U-Net instead")
    model = ROOT / "models/membrane_unet.onnx"

# %% 1. Load: backend "auto" is CUDA when a GPU is usable, else the CPU (a notice says so).
engine = segrt.Engine(model)
print(engine, "on", engine.device_name)
for info in engine.inputs + engine.outputs:
    print("  ", info)

# %% 2. Run: a dict by input name (or a list in order); NumPy out, no copies on the way.
(inp,) = engine.inputs
shape = [1 if d is None else d for d in inp.shape]
if None in inp.shape[1:]:  # dynamic spatial dims (fully convolutional): pick a size
    shape = [1, 1, 256, 256] if inp.layout != "NHWC" else [1, 256, 256, 1]
x = np.random.RandomState(0).rand(*shape).astype(np.float32)
(y,) = engine.run({inp.name: x})
print(f"output {y.dtype}{list(y.shape)}: min {y.min():.4f} max {y.max():.4f}")

# %% 3. A reference .npz of every activation of the oracle (the naive reference backend), as
# `segrt run --dump-activations` writes it (or as Keras-side tooling would), then the
# per-layer drift of the engine's backend against it.
oracle = segrt.Engine(model, backend="ref")
acts = {}
oracle.observe(lambda name, op, a: acts.__setitem__(f"activations/{name}", a))
oracle.run({inp.name: x})
ref = out / "reference.npz"
np.savez(ref, **{f"inputs/{inp.name}": x}, **acts)
table = segrt.compare(engine, reference=ref)
worst = max(table, key=lambda r: r["max_abs"])
print(f"compare against {ref}: {len(table)} layers, ok={table.ok}, worst {worst['name']} "
      f"max |diff| {worst['max_abs']:.3g}")

# %% 4. Segment an image of any size with the bundled U-Net (its sidecar sets classes and threshold).
unet = segrt.Engine(ROOT / "models/membrane_unet.onnx")
r = segrt.segment(unet, ROOT / "examples/membrane/26.png", probs=True)
print(f"segment: {r.mask.shape} mask, classes {r.classes}, membrane share {(r.mask == 1).mean():.3f}, "
      f"probs {r.probs.shape}")
np.save(out / "26_mask.npy", r.mask)
print("wrote", sorted(os.listdir(out)))
