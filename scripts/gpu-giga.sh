#!/usr/bin/env bash
# Issue 19 on the GPU machine: a SIZE x SIZE tiled pyramidal BigTIFF (default
# 50,000^2 = 2.5 Gpx, a mosaic of examples/membrane made there by
# scripts/giga_tiff.py: ~3.3 GiB on disk with its pyramid) segmented by the
# bundled model with `segrt segment --stream` on CUDA. Checks: peak RSS < 2 GB,
# pipeline efficiency (engine compute / wall) >= 0.8, and the mask against the
# untiled in-memory result on a 2048^2 crop (>= 99.9%); prints Mpx/s.
#
#   scripts/gpu-bundle.sh                                  # here: the CUDA bundle
#   bash scripts/gpu-giga.sh                               # there, from the repository root
#   SIZE=20000 bash scripts/gpu-giga.sh                    # smaller first (each command has 10 minutes)
#   PRECISION=fp32 BATCH=8 STRIPE=0 bash scripts/gpu-giga.sh
#
# Knobs: SIZE, BACKEND (cuda), MODEL (the bundled one), SEGRT (the bundle's),
# PRECISION (fp16), BATCH (16), READERS (8), ENCODERS (4), STITCHERS (6),
# QUEUE (8), STRIPE (16384; 0 = whole width), SCRATCH (/tmp/segrt-giga: needs
# ~SIZE^2 * 1.4 bytes), KEEP=1 keeps the input for the next call, MAKE_ONLY=1
# only makes the input (a call of its own when the 10 minutes are tight),
# RESUME=1 continues an interrupted run (e.g. one the time limit killed:
# checkpoints are per tile row; that call's Mpx/s and efficiency cover its
# part only). Results (giga-summary.txt, logs) go to $OUT (or /tmp/segrt-gpu).
set -uo pipefail
B=${BUNDLE:-.bundle}
R=${OUT:-/tmp/segrt-gpu}
S=${SCRATCH:-/tmp/segrt-giga}
SIZE=${SIZE:-50000}
PY=python3
mkdir -p "$R" "$S"
CUDNN_LIB=$($PY -c "import nvidia.cudnn as m; print(list(m.__path__)[0] + '/lib')" 2>/dev/null || true)
export LD_LIBRARY_PATH="$PWD/$B/lib:${CUDNN_LIB}:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
SEGRT=${SEGRT:-$PWD/$B/bin/segrt}
M=${MODEL:-$PWD/models/membrane_unet.onnx}
BACKEND=${BACKEND:-cuda}
sum() { echo "$*" | tee -a "$R/giga-summary.txt"; }
: > "$R/giga-summary.txt"
fail=0

IN=$S/giga_$SIZE.tif
if [ ! -f "$IN" ]; then
  t0=$(date +%s)
  $PY scripts/giga_tiff.py make "$IN" "$SIZE" || { sum "FAIL: could not make $IN"; exit 1; }
  sum "input: $IN made in $(( $(date +%s) - t0 )) s"
fi
df -h "$S" | tail -1
[ "${MAKE_ONLY:-0}" = 1 ] && exit 0

# The streamed run (its own process: the peak RSS is its own).
RES=--no-resume
if [ "${RESUME:-0}" = 1 ]; then RES=; else rm -rf "$S/out"; fi
"$SEGRT" segment "$M" "$IN" --stream --backend "$BACKEND" --precision "${PRECISION:-fp16}" \
  --batch "${BATCH:-16}" --readers "${READERS:-8}" --encoders "${ENCODERS:-4}" --stitchers "${STITCHERS:-6}" --queue "${QUEUE:-8}" \
  --stripe "${STRIPE:-16384}" $RES -o "$S/out" > "$R/giga-run.log" 2> "$R/giga-err.log"
rc=$?
cat "$R/giga-run.log"
[ $rc -eq 0 ] || { tail -20 "$R/giga-err.log"; sum "FAIL: the streamed run exited $rc"; exit 1; }
line=$(grep '^stream:' "$R/giga-run.log")
sum "${SIZE}x${SIZE} ${PRECISION:-fp16} batch ${BATCH:-16} stripe ${STRIPE:-16384}: $line"
read -r mpx eff rss <<<"$(echo "$line" | sed -E 's/.* ([0-9.]+) Mpx\/s.*efficiency ([0-9.]+).*peak RSS ([0-9]+) MB.*/\1 \2 \3/')"
$PY -c "import sys; sys.exit(0 if $rss < 2048 else 1)" && sum "PASS peak RSS $rss MB < 2048" || { sum "FAIL peak RSS $rss MB >= 2048"; fail=1; }
$PY -c "import sys; sys.exit(0 if $eff >= 0.8 else 1)" && sum "PASS efficiency $eff >= 0.8" || { sum "FAIL efficiency $eff < 0.8"; fail=1; }
sum "throughput: $mpx Mpx/s"

# A 2048^2 crop from the middle, untiled in memory (--probs, P > 0.5), against
# (a) the crop streamed as its own input: the same image, so ">= 99.9% as today"
#     (docs/segment.md: tiled vs untiled of one image);
# (b) the big run's mask there, judged 64 px inside the crop (the crop alone lacks
#     the context the big image gives its border).
X=$(( (SIZE - 2048) / 2 / 16 * 16 )); Y=$X
$PY scripts/giga_tiff.py crop "$S/crop.tif" $X $Y 2048 2048
"$SEGRT" segment "$M" "$S/crop.tif" --no-stream --tile-above 0 --probs --no-overlay --backend "$BACKEND" \
  --precision "${PRECISION:-fp16}" -o "$S/crop_out" > "$R/giga-crop.log" 2>&1 || { cat "$R/giga-crop.log"; sum "FAIL: untiled crop run"; fail=1; }
"$SEGRT" segment "$M" "$S/crop.tif" --stream --backend "$BACKEND" --precision "${PRECISION:-fp16}" \
  --batch "${BATCH:-16}" --no-resume -o "$S/crop_str" >> "$R/giga-crop.log" 2>&1 || { sum "FAIL: streamed crop run"; fail=1; }
if out=$($PY scripts/giga_tiff.py compare "$S/crop_str/crop_mask.tif" 0 0 "$S/crop_out/crop_probs.npy" 0.5); then
  sum "PASS crop streamed alone: $out"
else
  sum "FAIL crop streamed alone: $out"; fail=1
fi
if out=$($PY scripts/giga_tiff.py compare "$S/out/giga_${SIZE}_mask.tif" $X $Y "$S/crop_out/crop_probs.npy" 0.5 64); then
  sum "PASS crop of the big run: $out"
else
  sum "FAIL crop of the big run: $out"; fail=1
fi
[ "${KEEP:-0}" = 1 ] || rm -f "$IN"
rm -rf "$S/out" "$S/crop_out" "$S/crop_str" "$S/crop.tif"
cat "$R/giga-summary.txt"
exit $fail
