#!/usr/bin/env python3
"""Train the small membrane-segmentation U-Net that segrt bundles.

Usage:
    python3 tools/train_membrane.py --data DIR --out DIR [--steps 3000] [--batch 16]
                                    [--crop 256] [--lr 2e-3] [--seed 1234] [--device cuda]

DIR (--data) holds the ISBI 2012 membrane PNGs as laid out in zhixuhao/unet
(commit b45af4d458437d8281cc218a07fd4380818ece4a, data/membrane/train):
    DIR/image/{0..29}.png   512x512 8-bit grayscale EM slices
    DIR/label/{0..29}.png   512x512 8-bit masks, 255 = cell interior, 0 = membrane
Fixed split: images 0..24 train, 25..29 validate.

Network (matches what segrt's tests expect): classic U-Net, 16 base filters,
4 down levels (16-32-64-128-256); each block is two 3x3 convs (padding 1) with
BatchNorm + ReLU; MaxPool 2x2 down; up path = nn.Upsample(scale_factor=2,
mode='nearest') + 3x3 conv (+BN+ReLU), concat with the skip, then a block;
final 1x1 conv to 1 channel + Sigmoid giving P(membrane).
Input: float32 NCHW, 1 channel, pixel/255.

Training: random 256x256 crops, random flips and 90-degree rotations, small
brightness/contrast jitter, Adam with a cosine learning-rate schedule,
BCE + soft Dice loss on the membrane class, bf16 autocast on CUDA.
Validation: the 5 held-out images at full 512x512, threshold 0.5;
membrane = label pixel < 128; reports pixel accuracy and membrane-class Dice.

Outputs in --out: membrane_unet.pt (float32 state_dict of the model in this
file), metrics_gpu.json (per-image and mean val metrics, command, seed, steps,
device), train_log.txt.

The seed fixes the initial weights and the augmentation stream; cuDNN kernel
choice (benchmark mode) can still make two runs differ in the last bits.
"""
import argparse
import contextlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

TRAIN_IDS = list(range(0, 25))
VAL_IDS = list(range(25, 30))


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class Block(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(*conv_bn_relu(cin, cout), *conv_bn_relu(cout, cout))


class Up(nn.Module):
    """nn.Upsample(x2, nearest) + 3x3 conv (the Keras U-Net's up-convolution)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Sequential(*conv_bn_relu(cin, cout))
        self.block = Block(2 * cout, cout)

    def forward(self, x, skip):
        x = self.conv(self.up(x))
        return self.block(torch.cat([skip, x], dim=1))


class UNet(nn.Module):
    def __init__(self, base=16):
        super().__init__()
        c = [base, base * 2, base * 4, base * 8, base * 16]  # 16-32-64-128-256
        self.enc0 = Block(1, c[0])
        self.enc1 = Block(c[0], c[1])
        self.enc2 = Block(c[1], c[2])
        self.enc3 = Block(c[2], c[3])
        self.bottom = Block(c[3], c[4])
        self.pool = nn.MaxPool2d(2)
        self.up3 = Up(c[4], c[3])
        self.up2 = Up(c[3], c[2])
        self.up1 = Up(c[2], c[1])
        self.up0 = Up(c[1], c[0])
        self.head = nn.Conv2d(c[0], 1, 1)
        self.sigmoid = nn.Sigmoid()

    def logits(self, x):
        e0 = self.enc0(x)
        e1 = self.enc1(self.pool(e0))
        e2 = self.enc2(self.pool(e1))
        e3 = self.enc3(self.pool(e2))
        b = self.bottom(self.pool(e3))
        d = self.up3(b, e3)
        d = self.up2(d, e2)
        d = self.up1(d, e1)
        d = self.up0(d, e0)
        return self.head(d)

    def forward(self, x):
        return self.sigmoid(self.logits(x))


def load_pngs(data_dir, ids):
    imgs, mem = [], []
    for i in ids:
        im = np.array(Image.open(os.path.join(data_dir, "image", f"{i}.png")).convert("L"))
        lb = np.array(Image.open(os.path.join(data_dir, "label", f"{i}.png")).convert("L"))
        imgs.append(im.astype(np.float32) / 255.0)
        mem.append((lb < 128).astype(np.float32))  # 1 = membrane
    return torch.from_numpy(np.stack(imgs))[:, None], torch.from_numpy(np.stack(mem))[:, None]


def val_metrics(prob, mem):
    """prob, mem: (N,1,H,W) tensors. Returns per-image accuracy and membrane Dice."""
    pred = (prob > 0.5).float()
    out = []
    for k in range(pred.shape[0]):
        p, g = pred[k].flatten(), mem[k].flatten()
        acc = (p == g).float().mean().item()
        inter = (p * g).sum().item()
        dice = 2.0 * inter / max(p.sum().item() + g.sum().item(), 1.0)
        out.append((acc, dice))
    return out


def summarize(ids, per):
    return {
        "per_image": {str(i): {"pixel_accuracy": round(a, 6), "membrane_dice": round(d, 6)}
                      for i, (a, d) in zip(ids, per)},
        "mean_pixel_accuracy": round(float(np.mean([a for a, _ in per])), 6),
        "mean_membrane_dice": round(float(np.mean([d for _, d in per])), 6),
    }


def augment(imgs, mems, n, crop, gen):
    """Random crops + flips + rot90 + mild intensity jitter, on the data's device."""
    N, _, H, W = imgs.shape
    dev = imgs.device
    idx = torch.randint(0, N, (n,), generator=gen).tolist()
    ys = torch.randint(0, H - crop + 1, (n,), generator=gen).tolist()
    xs = torch.randint(0, W - crop + 1, (n,), generator=gen).tolist()
    rots = torch.randint(0, 4, (n,), generator=gen).tolist()
    flips = torch.randint(0, 2, (n,), generator=gen).tolist()
    xb, yb = [], []
    for k in range(n):
        x = imgs[idx[k], :, ys[k]:ys[k] + crop, xs[k]:xs[k] + crop]
        y = mems[idx[k], :, ys[k]:ys[k] + crop, xs[k]:xs[k] + crop]
        if flips[k]:
            x, y = x.flip(-1), y.flip(-1)
        if rots[k]:
            x, y = torch.rot90(x, rots[k], (-2, -1)), torch.rot90(y, rots[k], (-2, -1))
        xb.append(x)
        yb.append(y)
    xb, yb = torch.stack(xb), torch.stack(yb)
    gain = (1.0 + 0.2 * (torch.rand(n, 1, 1, 1, generator=gen) - 0.5)).to(dev)
    bias = (0.1 * (torch.rand(n, 1, 1, 1, generator=gen) - 0.5)).to(dev)
    xb = ((xb - 0.5) * gain + 0.5 + bias).clamp(0.0, 1.0)
    return xb.contiguous(), yb.contiguous()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, "train_log.txt"), "w")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    dev = torch.device(args.device)
    use_cuda = dev.type == "cuda"
    if use_cuda:
        torch.backends.cudnn.benchmark = True
    dev_name = torch.cuda.get_device_name(dev) if use_cuda else "cpu"
    log(f"torch {torch.__version__} device {dev_name}")
    log("command: " + " ".join([os.path.basename(sys.executable)] + sys.argv))

    tr_x, tr_y = load_pngs(args.data, TRAIN_IDS)
    va_x, va_y = load_pngs(args.data, VAL_IDS)
    tr_x, tr_y, va_x, va_y = tr_x.to(dev), tr_y.to(dev), va_x.to(dev), va_y.to(dev)
    log(f"train {tuple(tr_x.shape)} val {tuple(va_x.shape)} "
        f"membrane fraction train {tr_y.mean().item():.4f} val {va_y.mean().item():.4f}")

    model = UNet(16).to(dev)
    nparams = sum(p.numel() for p in model.parameters())
    log(f"params {nparams}")
    if use_cuda:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    warm = min(100, args.steps // 10)

    def lr_at(s):
        if s < warm:
            return args.lr * (s + 1) / warm
        t = (s - warm) / max(1, args.steps - warm)
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))

    gen = torch.Generator().manual_seed(args.seed)
    amp = dict(device_type="cuda", dtype=torch.bfloat16) if use_cuda else None

    def evaluate():
        model.eval()
        with torch.no_grad():
            xin = va_x.to(memory_format=torch.channels_last) if use_cuda else va_x
            prob = model(xin).float()  # full fp32 for the reported metrics
        model.train()
        return val_metrics(prob, va_y)

    t0 = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        xb, yb = augment(tr_x, tr_y, args.batch, args.crop, gen)
        if use_cuda:
            xb = xb.to(memory_format=torch.channels_last)
        with torch.autocast(**amp) if amp else contextlib.nullcontext():
            logit = model.logits(xb)
        logit = logit.float()
        bce = F.binary_cross_entropy_with_logits(logit, yb)
        p = torch.sigmoid(logit)
        inter = (p * yb).sum()
        dice = 1.0 - (2.0 * inter + 1.0) / (p.sum() + yb.sum() + 1.0)
        loss = bce + dice
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % 100 == 0 or step == 0:
            log(f"step {step + 1:5d} loss {loss.item():.4f} bce {bce.item():.4f} "
                f"dice_loss {dice.item():.4f} lr {lr_at(step):.2e} t {time.time() - t0:.1f}s")
        if args.eval_every and (step + 1) % args.eval_every == 0 and step + 1 < args.steps:
            per = evaluate()
            s = summarize(VAL_IDS, per)
            log(f"  val@{step + 1}: acc {s['mean_pixel_accuracy']:.4f} "
                f"dice {s['mean_membrane_dice']:.4f}")
    train_s = time.time() - t0

    per = evaluate()
    summ = summarize(VAL_IDS, per)
    for i, (a, d) in zip(VAL_IDS, per):
        log(f"val image {i}: pixel_accuracy {a:.4f} membrane_dice {d:.4f}")
    log(f"val mean: pixel_accuracy {summ['mean_pixel_accuracy']:.4f} "
        f"membrane_dice {summ['mean_membrane_dice']:.4f} (train {train_s:.1f}s)")

    model = model.to(memory_format=torch.contiguous_format).float().cpu()
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    torch.save(sd, os.path.join(args.out, "membrane_unet.pt"))
    metrics = {
        "gpu_training_eval": summ,
        "threshold": 0.5,
        "membrane_definition": "label pixel < 128",
        "val_ids": VAL_IDS,
        "train_ids": TRAIN_IDS,
        "command": "python3 tools/train_membrane.py " + " ".join(sys.argv[1:]),
        "seed": args.seed,
        "steps": args.steps,
        "batch": args.batch,
        "crop": args.crop,
        "lr": args.lr,
        "loss": "BCE + soft Dice (membrane class)",
        "amp": "bf16 autocast" if use_cuda else "none (fp32)",
        "device": dev_name,
        "torch": torch.__version__,
        "train_seconds": round(train_s, 1),
        "params": nparams,
    }
    with open(os.path.join(args.out, "metrics_gpu.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    log("wrote " + os.path.join(args.out, "membrane_unet.pt"))


if __name__ == "__main__":
    main()
