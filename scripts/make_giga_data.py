#!/usr/bin/python3
"""Builds gigapixel test inputs for segrt's streaming pipeline (docs/stream.md)
as a mosaic of the ISBI 2012 membrane images, so tests need nothing from outside.

  make_giga_data.py OUT.tif --size 16384            tiled pyramidal BigTIFF (deflate, 256 tiles, 2x levels)
  make_giga_data.py OUT.tif --size 4096 --geo       GeoTIFF: UTM 33N (EPSG:32633), 0.5 m pixels, no-data 0 border
  make_giga_data.py OUT.tif --size 50000 --width 50000 --no-compress   (the GPU run; see scripts/gpu-giga.sh)

Source images: ../shared/models/zhixuhao-unet/data/membrane/{train/image,test}
(30 + 30 slices of 512x512, SOURCES.md section 6) when present, else the repo's
examples/membrane/{26,27}.png. Cells of the mosaic are the slices flipped and
rotated by position, so no two neighbours repeat. Written band by band
(memory: one 512-row band), with GDAL (python3-gdal).
"""
import argparse
import glob
import os
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def load_sources(cell):
    shared = os.path.join(REPO, "..", "shared", "models", "zhixuhao-unet", "data", "membrane")
    paths = sorted(glob.glob(os.path.join(shared, "train", "image", "*.png")))
    paths += sorted(p for p in glob.glob(os.path.join(shared, "test", "*.png")) if "predict" not in p)
    if not paths:
        paths = [os.path.join(REPO, "examples", "membrane", n) for n in ("26.png", "27.png")]
    imgs = []
    for p in paths:
        a = gdal.Open(p).ReadAsArray()
        if a.ndim == 3:
            a = a[0]
        imgs.append(np.ascontiguousarray(a[:cell, :cell].astype(np.uint8)))
    return imgs, paths


def cell_image(imgs, i, j):
    a = imgs[(i * 7 + j * 3) % len(imgs)]
    k = (i + 2 * j) % 8
    a = np.rot90(a, k % 4)
    return np.fliplr(a) if k >= 4 else a


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=4096, help="height (and width unless --width)")
    ap.add_argument("--width", type=int, default=0)
    ap.add_argument("--tile", type=int, default=256)
    ap.add_argument("--geo", action="store_true", help="GeoTIFF with a CRS, geotransform and no-data border")
    ap.add_argument("--blank", type=int, default=0,
                    help="a blank (255, slide-glass-like) margin of this many pixels on the right, to test tile skipping")
    ap.add_argument("--no-pyramid", action="store_true")
    ap.add_argument("--no-compress", action="store_true", help="faster to write, bigger")
    a = ap.parse_args()
    H = a.size
    W = a.width or a.size
    cell = 512
    imgs, paths = load_sources(cell)
    opts = ["TILED=YES", f"BLOCKXSIZE={a.tile}", f"BLOCKYSIZE={a.tile}", "BIGTIFF=YES"]
    if not a.no_compress:
        opts.append("COMPRESS=DEFLATE")
    ds = gdal.GetDriverByName("GTiff").Create(a.out, W, H, 1, gdal.GDT_Byte, options=opts)
    band = ds.GetRasterBand(1)
    if a.geo:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(32633)
        ds.SetProjection(srs.ExportToWkt())
        ds.SetGeoTransform([500000.0, 0.5, 0.0, 5000000.0, 0.0, -0.5])
        band.SetNoDataValue(0)
    for y0 in range(0, H, cell):
        h = min(cell, H - y0)
        rows = np.empty((h, W), np.uint8)
        for j, x0 in enumerate(range(0, W, cell)):
            w = min(cell, W - x0)
            c = cell_image(imgs, y0 // cell, j)
            rows[:, x0:x0 + w] = np.maximum(c[:h, :w], 1)  # 0 is the GeoTIFF's no-data value
        if a.blank:
            rows[:, W - a.blank:] = 0 if a.geo else 255
        if a.geo:  # a no-data frame one cell wide on the left
            rows[:, :min(cell, W)] = 0
        band.WriteArray(rows, 0, y0)
    band.FlushCache()
    if not a.no_pyramid:
        factors, f = [], 2
        while max(W, H) // f >= a.tile:
            factors.append(f)
            f *= 2
        if factors:
            ds.BuildOverviews("NEAREST", factors)
    ds = None
    print(f"{a.out}: {W}x{H}, {len(imgs)} source slices ({os.path.dirname(paths[0])})")


if __name__ == "__main__":
    sys.exit(main())
