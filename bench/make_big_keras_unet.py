#!/usr/bin/env python3
"""Widens a Keras 2 U-Net .h5 by a factor K (every channel count > 1 times K,
random weights) to get a model of the issue's size (31 M parameters) for
timing the isolated import: ../shared/models has no U-Net that large.
Usage: make_big_keras_unet.py IN.h5 OUT.h5 K      (hiwony7933-Unet/model/unet.h5, K=18: 29.3 M parameters)
"""
import json
import sys

import h5py
import numpy as np

src, dst, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(0)
with h5py.File(src, "r") as fi, h5py.File(dst, "w") as fo:
    cfg = json.loads(fi.attrs["model_config"])
    for layer in cfg["config"]["layers"]:
        c = layer["config"]
        if c.get("filters", 1) > 1:
            c["filters"] *= k
    for name, value in fi.attrs.items():
        fo.attrs[name] = value
    fo.attrs["model_config"] = json.dumps(cfg)
    mw = fo.create_group("model_weights")
    for name, value in fi["model_weights"].attrs.items():
        mw.attrs[name] = value
    params = 0

    def copy(gi, go):
        global params
        for name, value in gi.attrs.items():
            go.attrs[name] = value
        for name, obj in gi.items():
            if isinstance(obj, h5py.Dataset):
                shape = list(obj.shape)
                dims = range(len(shape) - 2, len(shape)) if len(shape) == 4 else range(len(shape))
                for d in dims:
                    if shape[d] > 1:
                        shape[d] *= k
                data = (rng.standard_normal(shape) * 0.05).astype(np.float32)
                if "moving_variance" in name or "gamma" in name:
                    data = np.abs(data) + 1.0
                go.create_dataset(name, data=data)
                params += data.size
            else:
                copy(obj, go.create_group(name))

    copy(fi["model_weights"], mw)
print("%s: %.1f M parameters" % (dst, params / 1e6))
