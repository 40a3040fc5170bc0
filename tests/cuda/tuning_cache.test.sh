#!/usr/bin/env bash
# The tuning cache across processes on the GPU: a first `segrt run` fills a
# fresh --cache-dir, a second process gets its first output (process start to
# output written) in <= 2 s for the U-Net at fp32 512x512x16 and <= 1 s at fp16
# 512x512x1; a corrupted cache file gives a notice, not a failure, and is
# rewritten. Skips (77) without a GPU or without $SEGRT_GPU_MODELS/unet64.onnx.
#   SEGRT_GPU_MODELS=.bundle/models tests/cuda/tuning_cache.test.sh build/tools/segrt/segrt
set -euo pipefail
segrt=$1
model=${SEGRT_GPU_MODELS:-}/unet64.onnx
[ -f "$model" ] || { echo "skip: no $model (set SEGRT_GPU_MODELS)"; exit 77; }
nvidia-smi > /dev/null 2>&1 || { echo "skip: no GPU"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$work/cache
fail=0
for cfg in "fp32 16 2.0" "fp16 1 1.0"; do
  set -- $cfg
  p=$1 b=$2 limit=$3
  python3 -c "import numpy as np; np.save('$work/in$b.npy', np.random.RandomState(1).rand($b,1,512,512).astype(np.float32))"
  t0=$(date +%s.%N)
  "$segrt" run "$model" -b cuda -p "$p" -i "$work/in$b.npy" -o "$work/cold.npy" --cache-dir "$cache" 2> "$work/cold.err"
  t1=$(date +%s.%N)
  "$segrt" run "$model" -b cuda -p "$p" -i "$work/in$b.npy" -o "$work/warm.npy" --cache-dir "$cache" 2> "$work/warm.err"
  t2=$(date +%s.%N)
  cold=$(python3 -c "print(round($t1 - $t0, 3))") warm=$(python3 -c "print(round($t2 - $t1, 3))")
  echo "tuning cache $p 512x512x$b: first process ${cold} s, second process ${warm} s (limit ${limit} s)"
  if python3 -c "import sys; sys.exit(0 if $warm > $limit else 1)"; then echo "FAIL: second process over ${limit} s"; fail=1; fi
  cmp -s "$work/cold.npy" "$work/warm.npy" || echo "note: outputs differ between the processes (different algorithms?)"
done
# Corrupt every cache file: a notice, the run succeeds, the file is rewritten.
for f in "$cache"/*.tune; do head -c 200 "$f" > "$f.cut" && mv "$f.cut" "$f"; done
"$segrt" run "$model" -b cuda -p fp16 -i "$work/in1.npy" -o "$work/c.npy" --cache-dir "$cache" 2> "$work/corrupt.err" \
  || { echo "FAIL: a corrupt cache file made the run fail"; cat "$work/corrupt.err"; fail=1; }
grep -q "ignoring" "$work/corrupt.err" || { echo "FAIL: no notice about the corrupt cache file"; cat "$work/corrupt.err"; fail=1; }
"$segrt" run "$model" -b cuda -p fp16 -i "$work/in1.npy" -o "$work/c2.npy" --cache-dir "$cache" 2> "$work/again.err"
if grep -q "ignoring" "$work/again.err"; then echo "FAIL: the corrupt file was not rewritten"; fail=1; fi
[ $fail = 0 ] && echo "tuning cache: ok"
exit $fail
