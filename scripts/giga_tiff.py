#!/usr/bin/env python3
"""Gigapixel test inputs and checks without GDAL (numpy + zlib only), for the
GPU machine (scripts/gpu-giga.sh); scripts/make_giga_data.py is the GDAL
version used here.

  giga_tiff.py make OUT.tif SIZE              tiled (256) pyramidal BigTIFF, uncompressed,
                                              a mosaic of examples/membrane/{26,27}.png
  giga_tiff.py crop OUT.tif X Y W H           the same mosaic's pixels at (X, Y) as a plain TIFF
  giga_tiff.py compare MASK.tif X Y PROBS.npy THRESHOLD [BORDER]
                                              agreement of MASK's level-0 region at (X, Y)
                                              with PROBS[0] > THRESHOLD (an untiled run's --probs),
                                              judged (>= 99.9%) BORDER pixels inside the region
The mosaic is a function of position: cell (i, j) of 512x512 is one of 16
flips/rotations of the two example slices, so any region can be made alone.
"""
import os
import struct
import sys
import zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CELL = 512


def read_png_gray(path):
    """8-bit gray (or RGB, first channel) non-interlaced PNG -> uint8 array."""
    data = open(path, "rb").read()
    pos, idat, w, h, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8, "8-bit PNG expected"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = np.zeros((h, stride), np.int32)
    prev = np.zeros(stride, np.int32)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:  # Sub, Average, Paeth: sequential along the row
            cur = line.copy()
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1:
                    p = a
                elif f == 3:
                    p = (a + b) >> 1
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (cur[x] + p) & 255
        out[y] = cur
        prev = cur
    return out[:, ::bpp].astype(np.uint8)


def cells():
    base = [read_png_gray(os.path.join(ROOT, "examples", "membrane", n)) for n in ("26.png", "27.png")]
    out = []
    for b in base:
        for k in range(8):
            a = np.rot90(b, k % 4)
            out.append(np.ascontiguousarray(np.fliplr(a) if k >= 4 else a))
    return out


def region(cs, x0, y0, w, h, step=1):
    """Mosaic pixels (y0 + i*step, x0 + j*step) for i < h, j < w (zero beyond nothing: the mosaic is infinite)."""
    if step == 1 and x0 // CELL == (x0 + w - 1) // CELL and y0 // CELL == (y0 + h - 1) // CELL:
        c = cs[((y0 // CELL) * 7 + (x0 // CELL) * 3) % len(cs)]  # inside one cell: a slice
        return c[y0 % CELL:y0 % CELL + h, x0 % CELL:x0 % CELL + w]
    ys = y0 + np.arange(h) * step
    xs = x0 + np.arange(w) * step
    out = np.empty((h, w), np.uint8)
    ci, cj = ys // CELL, xs // CELL
    for i in np.unique(ci):
        rows = ci == i
        for j in np.unique(cj):
            cols = cj == j
            c = cs[(int(i) * 7 + int(j) * 3) % len(cs)]
            out[np.ix_(rows, cols)] = c[np.ix_(ys[rows] % CELL, xs[cols] % CELL)]
    return out


def write_bigtiff(path, levels_fn, width, height, tile=256, big=True):
    """levels_fn(k, x, y, w, h) -> uint8 tile of level k. Level 0 first, then 2x reductions.
    big=False: a classic TIFF (under 4 GiB; what segrt's in-memory reader takes)."""
    off, offs = ("Q", 8) if big else ("I", 4)
    with open(path, "wb") as f:
        f.write(b"II" + (struct.pack("<HHHQ", 43, 8, 0, 0) if big else struct.pack("<HI", 42, 0)))
        next_ptr = 8 if big else 4
        w, h, k = width, height, 0
        while True:
            across, down = (w + tile - 1) // tile, (h + tile - 1) // tile
            offsets, counts = [], []
            for ty in range(down):
                for tx in range(across):
                    t = np.zeros((tile, tile), np.uint8)
                    tw, th = min(tile, w - tx * tile), min(tile, h - ty * tile)
                    t[:th, :tw] = levels_fn(k, tx * tile, ty * tile, tw, th)
                    offsets.append(f.tell())
                    counts.append(tile * tile)
                    f.write(t.tobytes())
            arrays = f.tell()
            f.write(struct.pack(f"<{len(offsets)}{off}", *offsets))
            f.write(struct.pack(f"<{len(counts)}{off}", *counts))
            tags = [(254, 4, 1, 1 if k else 0), (256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 1),
                    (262, 3, 1, 1), (277, 3, 1, 1), (284, 3, 1, 1), (322, 3, 1, tile), (323, 3, 1, tile)]
            n = len(offsets)
            t8 = 16 if big else 4
            tags += [(324, t8, n, arrays if n > 1 else offsets[0]), (325, t8, n, arrays + offs * n if n > 1 else counts[0])]
            ifd = f.tell()
            f.write(struct.pack("<Q" if big else "<H", len(tags)))
            for tag, typ, cnt, val in sorted(tags):
                if big:
                    f.write(struct.pack("<HHQQ", tag, typ, cnt, val))
                else:  # a SHORT value sits left-justified in the 4-byte field
                    f.write(struct.pack("<HHI", tag, typ, cnt) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val)))
            f.write(struct.pack(f"<{off}", 0))
            end = f.tell()
            f.seek(next_ptr)
            f.write(struct.pack(f"<{off}", ifd))
            f.seek(end)
            next_ptr = end - offs
            if w <= tile and h <= tile:
                break
            w, h, k = (w + 1) // 2, (h + 1) // 2, k + 1


def read_level0(path, x0, y0, w, h):
    """Region of level 0 of a tiled 8-bit TIFF / BigTIFF (uncompressed or deflate): segrt's masks."""
    f = open(path, "rb")
    big = struct.unpack("<H", f.read(4)[2:])[0] == 43
    if big:
        f.read(4)
        ifd = struct.unpack("<Q", f.read(8))[0]
    else:
        ifd = struct.unpack("<I", f.read(4))[0]
    f.seek(ifd)
    n = struct.unpack("<Q" if big else "<H", f.read(8 if big else 2))[0]
    tags = {}
    sizes = {3: 2, 4: 4, 16: 8}
    fmt = {3: "H", 4: "I", 16: "Q"}
    for _ in range(n):
        if big:
            tag, typ, cnt = struct.unpack("<HHQ", f.read(12))
            raw = f.read(8)
        else:
            tag, typ, cnt = struct.unpack("<HHI", f.read(8))
            raw = f.read(4)
        if typ not in sizes:
            continue
        total = sizes[typ] * cnt
        if total > len(raw):
            here = f.tell()
            f.seek(struct.unpack("<Q" if big else "<I", raw)[0])
            raw = f.read(total)
            f.seek(here)
        tags[tag] = struct.unpack(f"<{cnt}{fmt[typ]}", raw[:total])
    W, T = tags[256][0], tags[322][0]
    comp = tags.get(259, (1,))[0]
    across = (W + T - 1) // T
    out = np.zeros((h, w), np.uint8)
    for ty in range(y0 // T, (y0 + h - 1) // T + 1):
        for tx in range(x0 // T, (x0 + w - 1) // T + 1):
            i = ty * across + tx
            f.seek(tags[324][i])
            data = f.read(tags[325][i])
            t = np.frombuffer(zlib.decompress(data) if comp in (8, 32946) else data, np.uint8).reshape(T, T)
            ya, yb = max(y0, ty * T), min(y0 + h, ty * T + T)
            xa, xb = max(x0, tx * T), min(x0 + w, tx * T + T)
            out[ya - y0:yb - y0, xa - x0:xb - x0] = t[ya - ty * T:yb - ty * T, xa - tx * T:xb - tx * T]
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        out, size = sys.argv[2], int(sys.argv[3])
        cs = cells()
        write_bigtiff(out, lambda k, x, y, w, h: region(cs, x << k, y << k, w, h, 1 << k), size, size)
        print(f"{out}: {size}x{size} tiled pyramidal BigTIFF, {os.path.getsize(out) / 2**30:.2f} GiB")
    elif cmd == "crop":
        out, x, y, w, h = sys.argv[2], *map(int, sys.argv[3:7])
        cs = cells()
        write_bigtiff(out, lambda k, xx, yy, ww, hh: region(cs, x + (xx << k), y + (yy << k), ww, hh, 1 << k), w, h,
                      big=False)
    elif cmd == "compare":
        mask, x, y, probs, thr = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
        border = int(sys.argv[7]) if len(sys.argv) > 7 else 0
        p = np.load(probs)
        ref = (p[0] > thr).astype(np.uint8) if p.shape[0] == 1 else p.argmax(0).astype(np.uint8)
        m = read_level0(mask, x, y, ref.shape[1], ref.shape[0])
        same = (m == ref).mean()
        inner = (m[64:-64, 64:-64] == ref[64:-64, 64:-64]).mean()
        judged = (m[border:m.shape[0] - border, border:m.shape[1] - border] ==
                  ref[border:m.shape[0] - border, border:m.shape[1] - border]).mean()
        print(f"{ref.shape[1]}x{ref.shape[0]} at {x},{y}: streamed vs untiled agree on {100 * same:.3f}% "
              f"({100 * inner:.3f}% away from a 64-px border)")
        sys.exit(0 if judged >= 0.999 else 1)


if __name__ == "__main__":
    main()
