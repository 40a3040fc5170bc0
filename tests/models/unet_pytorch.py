#!/usr/bin/env python3
"""Small U-Nets built in PyTorch, exported with torch.onnx.export, run by
`segrt run` on the reference and CPU backends and compared with PyTorch's own
output; the CPU backend must run every node natively (no reference fallback).

One U-Net per upsampling flavour a segmentation export meets: nearest,
bilinear with align_corners False and True, ConvTranspose2d, and a dynamic
batch/spatial export whose upsampling follows the skip tensor's size (a Shape
chain segrt must fold at specialisation). Error measure: max |segrt - torch|
divided by max |torch| over the output, which must be <= 1e-4.

usage: unet_pytorch.py SEGRT WORKDIR
"""
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-4


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))


class Up(nn.Module):
    """Upsamples x to the skip's size, concatenates, convolves."""

    def __init__(self, cin, cskip, cout, mode):
        super().__init__()
        self.mode = mode
        if mode == "convtranspose":
            self.tconv = nn.ConvTranspose2d(cin, cin, 2, stride=2)
        self.conv = block(cin + cskip, cout)

    def forward(self, x, skip):
        if self.mode == "nearest":
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        elif self.mode == "bilinear":
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        elif self.mode == "bilinear_align_corners":
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        elif self.mode == "bilinear_to_size":  # size from the skip tensor: a Shape chain in the export
            x = F.interpolate(x, size=skip.shape[2:], mode="bilinear", align_corners=False)
        else:
            x = self.tconv(x)
        return self.conv(torch.cat([x, skip], dim=1))


class UNet(nn.Module):
    def __init__(self, mode, cin=3, classes=2, width=8):
        super().__init__()
        w = width
        self.enc1, self.enc2, self.mid = block(cin, w), block(w, 2 * w), block(2 * w, 4 * w)
        self.up2, self.up1 = Up(4 * w, 2 * w, 2 * w, mode), Up(2 * w, w, w, mode)
        self.head = nn.Conv2d(w, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        return torch.sigmoid(self.head(self.up1(self.up2(m, e2), e1)))


# name, upsampling, opset, export input shape, run input shape, dynamic axes
CASES = [
    ("nearest_opset11", "nearest", 11, (1, 3, 32, 48), (1, 3, 32, 48), False),
    ("bilinear_opset13", "bilinear", 13, (1, 3, 24, 40), (1, 3, 24, 40), False),
    ("bilinear_align_corners_opset11", "bilinear_align_corners", 11, (1, 3, 16, 28), (1, 3, 16, 28), False),
    ("convtranspose_opset13", "convtranspose", 13, (1, 3, 32, 32), (1, 3, 32, 32), False),
    ("nearest_dynamic_opset13", "nearest", 13, (1, 3, 32, 32), (2, 3, 24, 40), True),
    ("bilinear_to_size_dynamic_opset11", "bilinear_to_size", 11, (1, 3, 32, 32), (2, 3, 20, 44), True),
]


BACKENDS = ["ref", "cpu"]  # cpu is dropped when this segrt was built without it


def run_case(segrt, work, name, mode, opset, export_shape, run_shape, dynamic):
    torch.manual_seed(len(name))
    model = UNet(mode)
    # Non-trivial batch-norm statistics, so BatchNormalization is really exercised.
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    path = f"{work}/{name}.onnx"
    kwargs = {}
    if dynamic:
        kwargs["dynamic_axes"] = {"image": {0: "batch", 2: "height", 3: "width"},
                                  "mask": {0: "batch", 2: "height", 3: "width"}}
    torch.onnx.export(model, torch.zeros(export_shape), path, opset_version=opset, input_names=["image"],
                      output_names=["mask"], **kwargs)
    x = np.random.RandomState(len(name)).uniform(-1, 1, run_shape).astype(np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    np.save(f"{work}/{name}_in.npy", x)
    for backend in list(BACKENDS):
        proc = subprocess.run([segrt, "run", path, "-i", f"{work}/{name}_in.npy", "-o", f"{work}/{name}_out.npy",
                               "--backend", backend, "-v"], capture_output=True, text=True)
        if proc.returncode != 0 and backend == "cpu" and "is not built into this segrt" in proc.stderr:
            print("the CPU backend is not built: PyTorch comparison on ref only")
            BACKENDS.remove("cpu")
            break
        if proc.returncode != 0:
            return f"segrt run --backend {backend} exited {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}"
        # The CPU backend must run every node of these nets natively (no reference-kernel fallback).
        fallbacks = [l for l in proc.stderr.splitlines() if "reference kernel for" in l]
        if fallbacks:
            return f"{backend}: " + "; ".join(fallbacks)
        got = np.load(f"{work}/{name}_out.npy")
        if got.shape != want.shape:
            return f"{backend}: output shape {got.shape}, PyTorch gives {want.shape}"
        err = float(np.max(np.abs(got.astype(np.float64) - want)) / max(np.max(np.abs(want)), 1e-12))
        line = f"{name} ({backend}): input {run_shape}, max relative error {err:.2e}"
        if not err <= TOLERANCE:
            return line + f" > {TOLERANCE}"
        print("ok   " + line)
    return None


def main():
    segrt, work = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)  # the CI machine has 2 cores shared with the build
    failures = 0
    for case in CASES:
        why = run_case(segrt, work, *case)
        if why:
            failures += 1
            print(f"FAIL {case[0]}: {why}")
    print(f"{len(CASES) - failures} of {len(CASES)} U-Nets match PyTorch")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
