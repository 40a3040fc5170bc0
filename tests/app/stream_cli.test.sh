#!/usr/bin/env bash
# segrt segment --stream end to end on the CPU with a tiny ONNX net
# (make_tiny_seg_net.py) and membrane mosaics made here (scripts/make_giga_data.py):
#  1. bounded memory: the same pipeline at 4096^2 and 16384^2 has the same
#     peak RSS within 10%, under 1 GB;
#  2. the pyramidal output opens in OpenSlide with every level;
#  3. a GeoTIFF input gives a GeoTIFF with its CRS and geotransform (gdalinfo);
#  4. kill -9 halfway, restart: byte-identical to an uninterrupted run;
#  5. the streamed mask of a 1024x768 crop equals the untiled in-memory one (>= 99.9%).
# Test data is cached in the build folder (giga-data/). Skips (77) visibly
# when python3-gdal/numpy/onnx or the GDAL/OpenSlide tools are missing.
set -uo pipefail
SEGRT=$1
ROOT=${SEGRT_SOURCE_DIR:?}
BUILD=${SEGRT_BUILD_DIR:-$(dirname "$SEGRT")/../..}
PY=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
$PY -c "import numpy, onnx; from osgeo import gdal" 2>/dev/null ||
  { echo "SKIP: /usr/bin/python3 lacks numpy, onnx or osgeo (python3-gdal)"; exit 77; }
for tool in gdalinfo openslide-show-properties; do
  command -v $tool >/dev/null || { echo "SKIP: $tool missing (gdal-bin, openslide-tools)"; exit 77; }
done
"$SEGRT" --version 2>/dev/null | grep -q "gdal\|openslide" || true

D=$BUILD/giga-data
mkdir -p "$D"
[ -f "$D/tiny_seg.onnx" ] || $PY "$ROOT/tests/app/make_tiny_seg_net.py" "$D" || fail "tiny net"
for n in 4096 16384; do
  [ -f "$D/mosaic_$n.tif" ] || $PY "$ROOT/scripts/make_giga_data.py" "$D/mosaic_$n.tif" --size $n || fail "mosaic $n"
done
[ -f "$D/geo_2048.tif" ] || $PY "$ROOT/scripts/make_giga_data.py" "$D/geo_2048.tif" --size 2048 --geo || fail "geotiff"
M=$D/tiny_seg.onnx
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
run() { "$SEGRT" segment "$M" --backend cpu --stream "$@"; }
rss() { sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' "$1"; }

# 1. Peak RSS at 4096^2 and 16384^2 (16x the pixels). Queues of 2 batches: the
# peak depends on how full the queues happen to be (timing), up to ~12 MB per
# batch of depth; shallow queues keep that play small against the 10% bar.
run "$D/mosaic_4096.tif" -o "$T/a" --queue 2 > "$T/a.log" 2>&1 || { cat "$T/a.log"; fail "4096 run"; }
run "$D/mosaic_16384.tif" -o "$T/b" --queue 2 > "$T/b.log" 2>&1 || { cat "$T/b.log"; fail "16384 run"; }
cat "$T/a.log" "$T/b.log"
ra=$(rss "$T/a.log"); rb=$(rss "$T/b.log")
[ -n "$ra" ] && [ -n "$rb" ] || fail "no peak RSS line"
$PY - "$ra" "$rb" <<'PY' || fail "peak RSS differs by more than 10% or is above 1 GB"
import sys
a, b = float(sys.argv[1]), float(sys.argv[2])
d = abs(a - b) / max(a, b)
print(f"peak RSS: 4096^2 {a:.0f} MB, 16384^2 {b:.0f} MB, difference {100 * d:.1f}%")
sys.exit(0 if d <= 0.10 and max(a, b) < 1024 else 1)
PY

# 2. OpenSlide opens the pyramid with every level (16384 -> 256: 7 levels).
P=$(openslide-show-properties "$T/b/mosaic_16384_mask.tif") || fail "OpenSlide cannot open the output"
echo "$P" | grep -q "openslide.level-count: '7'" || { echo "$P" | grep level-count; fail "expected 7 levels"; }
for l in 0 1 2 3 4 5 6; do
  w=$((16384 >> l))
  echo "$P" | grep -q "openslide.level\[$l\].width: '$w'" || fail "level $l is not $w wide"
done
echo "$P" | grep -q '"skipped_tiles":0' || fail "metadata (ImageDescription) missing"
openslide-write-png "$T/b/mosaic_16384_mask.tif" 0 0 6 256 256 "$T/l6.png" || fail "OpenSlide cannot read level 6"

# 3. GeoTIFF in, GeoTIFF out with the same CRS and geotransform.
run "$D/geo_2048.tif" -o "$T/g" > "$T/g.log" 2>&1 || { cat "$T/g.log"; fail "geotiff run"; }
cat "$T/g.log"
grep -q "georeferenced" "$T/g.log" || fail "output not georeferenced"
I=$(gdalinfo "$T/g/geo_2048_mask.tif") || fail "gdalinfo cannot open the output"
echo "$I" | grep -q 'ID\["EPSG",32633\]' || { echo "$I" | head -30; fail "CRS EPSG:32633 missing"; }
echo "$I" | grep -q "Origin = (500000.000000000000000,5000000.000000000000000)" || fail "origin differs"
echo "$I" | grep -q "Pixel Size = (0.500000000000000,-0.500000000000000)" || fail "pixel size differs"
grep -q "[1-9][0-9]* skipped" "$T/g.log" || fail "the no-data frame's tiles were not skipped"

# 4. kill -9 once half the tile rows are checkpointed, restart, compare.
REF=$T/a/mosaic_4096_mask.tif  # (--queue does not enter the output: same bytes with any depth)
CK=$T/k/mosaic_4096_mask.tif.segrt-partial/checkpoint
# segrt itself in the background (not through run(): kill must reach segrt, not a subshell).
"$SEGRT" segment "$M" --backend cpu --stream "$D/mosaic_4096.tif" -o "$T/k" > "$T/k1.log" 2>&1 &
pid=$!
half=0
for _ in $(seq 1 6000); do
  if [ -f "$CK" ]; then
    # The checkpoint: a magic line, the run's identity line, then int64 stripe, next row.
    row=$($PY -c "import struct,sys; f=open(sys.argv[1],'rb'); f.readline(); f.readline(); print(struct.unpack('<qq', f.read(16))[1])" "$CK" 2>/dev/null)
    [ -n "$row" ] && [ "$row" -ge 5 ] && { half=1; break; }  # 5 of 11 tile rows
  fi
  kill -0 $pid 2>/dev/null || break
  sleep 0.02
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
[ $half = 1 ] || fail "the run ended before it could be killed halfway"
[ ! -f "$T/k/mosaic_4096_mask.tif" ] || fail "a killed run left a finished output"
run "$D/mosaic_4096.tif" -o "$T/k" > "$T/k2.log" 2>&1 || { cat "$T/k2.log"; fail "restart"; }
cat "$T/k2.log"
grep -q "resuming" "$T/k2.log" || fail "the restart did not resume"
cmp "$REF" "$T/k/mosaic_4096_mask.tif" || fail "resumed output differs from the uninterrupted one"
[ ! -e "$T/k/mosaic_4096_mask.tif.segrt-partial" ] || fail "checkpoint folder left behind"

# 5. A crop: streamed vs untiled in memory (the existing segment path).
gdal_translate -q -of PNG -srcwin 1536 1024 1024 768 "$D/mosaic_4096.tif" "$T/crop.png" || fail "crop"
"$SEGRT" segment "$M" --backend cpu --no-stream --tile-above 0 --no-overlay "$T/crop.png" -o "$T/mem" > /dev/null || fail "in-memory run"
run "$T/crop.png" -o "$T/str" > /dev/null || fail "streamed crop"
$PY - "$T/mem/crop_mask.png" "$T/str/crop_mask.tif" <<'PY' || fail "streamed and in-memory masks differ"
import sys
from osgeo import gdal
a = gdal.Open(sys.argv[1]).ReadAsArray()
b = gdal.Open(sys.argv[2]).ReadAsArray()
same = (a == b).mean()
print(f"crop 1024x768: streamed vs untiled in-memory agree on {100 * same:.3f}% of pixels")
sys.exit(0 if a.shape == b.shape and same >= 0.999 else 1)
PY
echo "PASS"
