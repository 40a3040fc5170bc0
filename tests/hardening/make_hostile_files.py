#!/usr/bin/env python3
"""Writes small crafted files that each attack one limit of segrt's readers
(issue 16, point 4). Usage: make_hostile_files.py OUTDIR   (needs numpy, h5py, onnx)

  dense_ok.h5            a valid one-layer Keras 2 model (the control)
  dense_nan.h5           the same with NaN and Inf in its kernel (loads; inspect warns)
  dense_huge_dims.h5     a kernel declared [2^30, 2^30] (4 EiB), never stored
  dense_lying.h5         a kernel declared [4096, 4096] (64 MiB) that the file does not hold
  nested_deep.json       Sequential models nested 40 deep (+ empty_weights.h5)
  json_deep.json         a config nesting 100000 arrays
  keras_size_lie.keras   config.json whose zip entries claim 3.9 GB
  keras_crc_lie.keras    a stored config.json whose declared size is shorter than its data
  keras_json_bomb.keras  config.json of 200 MB of spaces, deflated to ~200 KB
  onnx_overflow.onnx     an initializer with dims [2^40, 2^40, 2^40]
  onnx_resize_1e30.onnx  a Resize whose scale asks for 1e30 pixels per axis
  onnx_conv_dilation.onnx  a Conv with dilations 2^62 (its window extent wraps int64)
  onnx_convt_stride.onnx   a ConvTranspose with strides 2^40 on a [1, 1, 2^30, 2] input
  npy_overflow.npy       a .npy header with shape (2^40, 2^40)
  npy_truncated.npy      a .npy header with shape (1000, 1000) and 16 bytes of data
  npz_size_lie.npz       an .npz whose member claims 3.9 GB
  huge.png / huge.tif    images whose headers declare 30000 x 30000 / 100000 x 100000 pixels
"""
import io
import json
import os
import struct
import sys
import zipfile
import zlib

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
P = lambda name: os.path.join(out, name)


def dense_config(units=2, inputs=3):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "dense", "units": units, "activation": "linear",
                                           "use_bias": True, "batch_input_shape": [None, inputs]}}]}}


def keras_h5(path, kernel=None, kernel_shape=None):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(dense_config())
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["backend"] = "tensorflow"
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [b"dense"]
        g = mw.create_group("dense")
        g.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        if kernel is not None:
            g.create_dataset("dense/kernel:0", data=kernel)
        else:  # declared, never written: HDF5 allocates no storage
            g.create_dataset("dense/kernel:0", shape=kernel_shape, dtype="f4", chunks=(1, 1024))
        g.create_dataset("dense/bias:0", data=np.zeros(2, np.float32))


k = np.arange(6, dtype=np.float32).reshape(3, 2)
keras_h5(P("dense_ok.h5"), kernel=k)
bad = k.copy()
bad[0, 0], bad[1, 1], bad[2, 0] = np.nan, np.inf, -np.inf
keras_h5(P("dense_nan.h5"), kernel=bad)
keras_h5(P("dense_huge_dims.h5"), kernel_shape=(1 << 30, 1 << 30))
keras_h5(P("dense_lying.h5"), kernel_shape=(4096, 4096))

# Sequential inside Sequential, 40 deep, around one weightless layer.
model = {"class_name": "Activation", "config": {"name": "act", "activation": "relu"}}
model["config"]["batch_input_shape"] = [None, 4]
for i in range(40):
    model = {"class_name": "Sequential",
             "config": {"name": "seq%d" % i, "layers": [model], "batch_input_shape": [None, 4]}}
with open(P("nested_deep.json"), "w") as f:
    json.dump(model, f)
with h5py.File(P("empty_weights.h5"), "w") as f:
    f.attrs["layer_names"] = np.array([], dtype="S1")
with open(P("json_deep.json"), "w") as f:
    f.write('{"class_name": "Sequential", "config": {"layers": ' + "[" * 100000 + "]" * 100000 + "}}")

cfg = json.dumps(dense_config()).encode()


def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in members:
            z.writestr(name, data)
    return bytearray(b.getvalue())


def patch_sizes(data, name, size):
    """Rewrites the uncompressed size of `name` in its local header and central directory entry."""
    n = name.encode()
    i = 0
    while True:
        i = data.find(b"PK\x03\x04", i)
        if i < 0:
            break
        if data[i + 30:i + 30 + len(n)] == n:
            struct.pack_into("<I", data, i + 22, size)
        i += 4
    i = 0
    while True:
        i = data.find(b"PK\x01\x02", i)
        if i < 0:
            break
        if data[i + 46:i + 46 + len(n)] == n:
            struct.pack_into("<I", data, i + 24, size)
        i += 4
    return data


meta = json.dumps({"keras_version": "3.3.3"}).encode()
with open(P("keras_size_lie.keras"), "wb") as f:
    f.write(patch_sizes(zip_bytes([("config.json", cfg), ("metadata.json", meta)]), "config.json", 0xF0000000))
lie = zip_bytes([("config.json", cfg + b" " * 64), ("metadata.json", meta)], zipfile.ZIP_STORED)
with open(P("keras_crc_lie.keras"), "wb") as f:
    f.write(patch_sizes(lie, "config.json", len(cfg)))
with open(P("keras_json_bomb.keras"), "wb") as f:
    f.write(zip_bytes([("config.json", b" " * (200 << 20) + cfg), ("metadata.json", meta)]))

import onnx
from onnx import helper, TensorProto
init = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 40, 1 << 40, 1 << 40], raw_data=b"")
node = helper.make_node("Add", ["x", "w"], ["y"], name="add")
g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [init])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), P("onnx_overflow.onnx"))


def one_node_model(name, node, x_shape, inits):
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), P(name))


one_node_model("onnx_resize_1e30.onnx", helper.make_node("Resize", ["x", "", "s"], ["y"], mode="nearest"), [1, 1, 4, 4],
               [helper.make_tensor("s", TensorProto.FLOAT, [4], [1, 1, 1e30, 1e30])])
w = helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 3, 3], [0.1] * 9)
one_node_model("onnx_conv_dilation.onnx", helper.make_node("Conv", ["x", "w"], ["y"], dilations=[1 << 62, 1 << 62]),
               [1, 1, 8, 8], [w])
one_node_model("onnx_convt_stride.onnx", helper.make_node("ConvTranspose", ["x", "w"], ["y"], strides=[1 << 40, 1 << 40]),
               [1, 1, 1 << 30, 2], [w])


def npy(shape_text, data=b""):
    h = ("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape_text).encode()
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data


with open(P("npy_overflow.npy"), "wb") as f:
    f.write(npy("(1099511627776, 1099511627776)"))
with open(P("npy_truncated.npy"), "wb") as f:
    f.write(npy("(1000, 1000)", b"\0" * 16))
with open(P("npz_size_lie.npz"), "wb") as f:
    f.write(patch_sizes(zip_bytes([("x.npy", npy("(2,)", b"\0" * 8))]), "x.npy", 0xF0000000))


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


with open(P("huge.png"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)) +
            png_chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + png_chunk(b"IEND", b""))
# Little-endian TIFF: one IFD of width, height, bits, compression, photometric, strip offset/rows/bytes.
tags = [(256, 4, 100000), (257, 4, 100000), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 8 + 2 + 12 * 8 + 4),
        (278, 4, 100000), (279, 4, 16)]
ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", t, ty, 1, v) for t, ty, v in tags) + b"\0" * 4
with open(P("huge.tif"), "wb") as f:
    f.write(b"II*\x00" + struct.pack("<I", 8) + ifd + b"\0" * 16)
