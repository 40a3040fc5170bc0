#!/usr/bin/env python3
"""torchvision's segmentation models (random weights, seeded) and a
SegFormer-like block, exported with torch.onnx.export (Debian's torch and
torchvision), run by `segrt run` on the reference and CPU backends at two
input sizes each, and compared with PyTorch run in float64. Error measure, as
in unet_pytorch.py: max |segrt - torch| / max |torch| over the output, <= 1e-4.
Models are built at test time (nothing is committed) and kept small in input
size, since the reference backend is naive and CI has 2 cores.

usage: torchvision_models.py SEGRT WORKDIR [NAME_SUBSTRING]
"""
import os
import subprocess
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models.segmentation as seg

TOLERANCE = 1e-4
# cpu (or cuda, on a GPU machine: TORCHVISION_BACKENDS="ref cpu cuda") is dropped when not built in.
BACKENDS = os.environ.get("TORCHVISION_BACKENDS", "ref cpu").split()
# Newer PyTorch (2.9+) exports through dynamo by default; TORCHVISION_DYNAMO=0/1
# picks the exporter there (Debian's torch knows only the TorchScript one).
EXPORT_KW = {} if "TORCHVISION_DYNAMO" not in os.environ else {"dynamo": os.environ["TORCHVISION_DYNAMO"] == "1"}


class OutOnly(nn.Module):
    """torchvision's segmentation models return {"out": ...}; ONNX wants a tensor."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)["out"]


class EfficientAttention(nn.Module):
    """SegFormer's self-attention: keys and values from a spatially reduced map."""

    def __init__(self, dim, heads, sr):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.q, self.kv, self.proj = nn.Linear(dim, dim), nn.Linear(dim, 2 * dim), nn.Linear(dim, dim)
        self.sr, self.norm = nn.Conv2d(dim, dim, sr, stride=sr), nn.LayerNorm(dim)

    def forward(self, x, h, w):
        b, n, c = x.shape
        q = self.q(x).reshape(b, n, self.heads, c // self.heads).permute(0, 2, 1, 3)
        r = self.sr(x.transpose(1, 2).reshape(b, c, h, w)).reshape(b, c, -1).transpose(1, 2)
        kv = self.kv(self.norm(r)).reshape(b, -1, 2, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attn = (q @ kv[0].transpose(-2, -1)) * self.scale
        x = (attn.softmax(-1) @ kv[1]).transpose(1, 2).reshape(b, n, c)
        return self.proj(x)


class MixFFN(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        self.dw = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)

    def forward(self, x, h, w):
        x = self.fc1(x)
        b, n, c = x.shape
        x = self.dw(x.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)
        return self.fc2(F.gelu(x))


class SegFormerLike(nn.Module):
    """Overlapping patch embedding, two transformer blocks (attention +
    LayerNorm + GELU MLP), an all-MLP head and a bilinear upsample."""

    def __init__(self, dim=32, classes=5):
        super().__init__()
        self.embed, self.embed_norm = nn.Conv2d(3, dim, 7, stride=4, padding=3), nn.LayerNorm(dim)
        self.blocks = nn.ModuleList()
        for _ in range(2):
            self.blocks.append(nn.ModuleList([nn.LayerNorm(dim), EfficientAttention(dim, 2, 2), nn.LayerNorm(dim),
                                              MixFFN(dim, 4 * dim)]))
        self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, classes)

    def forward(self, img):
        x = self.embed(img)
        b, c, h, w = x.shape
        x = self.embed_norm(x.flatten(2).transpose(1, 2))
        for n1, attn, n2, ffn in self.blocks:
            x = x + attn(n1(x), h, w)
            x = x + ffn(n2(x), h, w)
        x = self.head(self.norm(x)).transpose(1, 2).reshape(b, -1, h, w)
        return F.interpolate(x, size=img.shape[2:], mode="bilinear", align_corners=False)


def tv(builder):
    return lambda: OutOnly(builder(weights=None, weights_backbone=None, num_classes=4, aux_loss=False))


# name, builder, two input sizes (H, W)
CASES = [
    ("fcn_resnet50", tv(seg.fcn_resnet50), [(64, 64), (48, 80)]),
    ("deeplabv3_resnet50", tv(seg.deeplabv3_resnet50), [(64, 64), (56, 72)]),
    ("deeplabv3_mobilenet_v3_large", tv(seg.deeplabv3_mobilenet_v3_large), [(96, 96), (64, 112)]),
    ("lraspp_mobilenet_v3_large",
     lambda: OutOnly(seg.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=4)),
     [(96, 96), (64, 128)]),
    ("segformer_like", SegFormerLike, [(64, 64), (32, 96)]),
]


def randomize_batchnorm(model):
    """Non-trivial running statistics, so BatchNormalization does something."""
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.2, 0.2)
            mod.running_var.uniform_(0.5, 1.5)


def run_case(segrt, work, name, builder, sizes):
    torch.manual_seed(0)
    model = builder()
    randomize_batchnorm(model)
    model.eval()
    for h, w in sizes:
        tag = f"{name}_{h}x{w}"
        path = f"{work}/{tag}.onnx"
        with torch.no_grad():
            torch.onnx.export(model, torch.zeros(1, 3, h, w), path, opset_version=17, input_names=["image"],
                              output_names=["out"], **EXPORT_KW)
        x = np.random.RandomState(h * w).uniform(-1, 1, (1, 3, h, w)).astype(np.float32)
        with torch.no_grad():
            want = model.double()(torch.from_numpy(x).double()).numpy()
        model.float()
        np.save(f"{work}/{tag}_in.npy", x)
        for backend in list(BACKENDS):
            proc = subprocess.run([segrt, "run", path, "-i", f"{work}/{tag}_in.npy", "-o", f"{work}/{tag}_out.npy",
                                   "--backend", backend], capture_output=True, text=True)
            if proc.returncode != 0 and backend != "ref" and "is not built into this segrt" in proc.stderr:
                print(f"the {backend} backend is not built: no PyTorch comparison on it")
                BACKENDS.remove(backend)
                continue
            if proc.returncode != 0:
                return f"{tag}: segrt run --backend {backend} exited {proc.returncode}: " + \
                       (proc.stderr.strip() or proc.stdout.strip())
            got = np.load(f"{work}/{tag}_out.npy")
            if got.shape != want.shape:
                return f"{tag} ({backend}): output shape {got.shape}, PyTorch gives {want.shape}"
            err = float(np.max(np.abs(got.astype(np.float64) - want)) / max(np.max(np.abs(want)), 1e-12))
            line = f"{tag} ({backend}): max relative error {err:.2e}"
            if not err <= TOLERANCE:
                return line + f" > {TOLERANCE}"
            print("ok   " + line, flush=True)
    return None


def main():
    segrt, work = sys.argv[1], sys.argv[2]
    only = sys.argv[3] if len(sys.argv) > 3 else ""
    torch.set_num_threads(1)  # the CI machine has 2 cores shared with the build
    warnings.filterwarnings("ignore")  # the exporter's shape-inference chatter
    cases = [c for c in CASES if only in c[0]]
    failures = 0
    for case in cases:
        why = run_case(segrt, work, *case)
        if why:
            failures += 1
            print(f"FAIL {case[0]}: {why}", flush=True)
    print(f"{len(cases) - failures} of {len(cases)} torchvision-style models match PyTorch")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
