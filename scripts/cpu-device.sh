#!/usr/bin/env bash
# The CPU backend on another machine's CPU, from a bundle: made for the GPU
# machines' hosts, whose CPUs have AVX512_BF16 where this workplace's VMs
# have only AVX2, so `--precision bf16` (issue 5) can be tested and timed.
#
#   scripts/cpu-device.sh bundle [DEST]     # here: CPU build -> DEST (default .bundle-cpu/)
#   bash .bundle-cpu/cpu-device.sh run      # there, from the repository root
#
# `run` prints the CPU, runs the CPU backend's bf16 and fp32 tests (the
# bundled membrane model's class map in bf16 vs fp32 included), then times
# segrt fp32, segrt bf16 and ONNX Runtime fp32 (the Python package there,
# bench/ort_bench.py) on the classic U-Net of ../shared/peers/torch_unet.py
# (base 64 at 256x256, base 16 at 512x512) in interleaved rounds at
# THREADS (default "2 all"), checks the outputs agree and prints ratios;
# then int8 (calibrated tables) against fp32 and ORT on those and the bundled
# membrane U-Net, with the int8 / fp32 class agreement (SKIP_INT8=1 skips;
# SKIP_FLOAT=1 skips the fp32 / bf16 section).
set -uo pipefail
mode=${1:-}
if [ "$mode" = bundle ]; then
  set -e
  ROOT=$(cd "$(dirname "$0")/.." && pwd)
  DEST=${2:-$ROOT/.bundle-cpu}
  BUILD=${BUILD_DIR:-$ROOT/build}
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEGRT_CPU=ON -DSEGRT_CUDA=OFF > /dev/null
  cmake --build "$BUILD" -j "${JOBS:-2}" --target segrt segrt_tests
  STAGE=$(mktemp -d)
  mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/models" "$DEST"
  for b in "$BUILD/tools/segrt/segrt" "$BUILD/tests/segrt_tests"; do
    cp "$b" "$STAGE/bin/" && strip "$STAGE/bin/$(basename "$b")"
  done
  for b in "$STAGE"/bin/*; do
    ldd "$b" | awk '/=> \//{print $3}' | grep -vE '/(libc|libm|libdl|librt|libpthread|libresolv|libnsl|libutil|libstdc\+\+|libgcc_s)\.so' \
      | while read -r lib; do cp -L "$lib" "$STAGE/lib/"; done
  done
  PY=/usr/bin/python3
  PEER=$ROOT/../shared/peers/torch_unet.py
  for m in "unet64 64" "unet16 16"; do
    read -r name base <<<"$m"
    (cd "$STAGE/models" && $PY "$PEER" --export "$name.full.onnx" --base "$base" 2>/dev/null &&
     $PY "$ROOT/scripts/gpu_models.py" strip "$name.full.onnx" "$name.skel.onnx" && rm "$name.full.onnx")
  done
  cp "$ROOT/scripts/gpu_models.py" "$ROOT/bench/ort_bench.py" "$STAGE/"
  # libdnnl alone is 38 MiB: the device call carries at most 64 MiB, so the bundle travels compressed.
  tar -C "$STAGE" -cJf "$DEST/cpu.tar.xz" .
  cp "$0" "$DEST/cpu-device.sh"
  rm -rf "$STAGE"
  du -sh "$DEST"
  exit 0
fi
[ "$mode" = run ] || { echo "usage: $0 bundle [DEST] | run"; exit 2; }

B=${BUNDLE:-.bundle-cpu}
X=$(mktemp -d)
tar -C "$X" -xJf "$B/cpu.tar.xz"
R=${OUT:-/tmp/segrt-cpu}
mkdir -p "$R"
PY=${PY:-python3}
export LD_LIBRARY_PATH="$X/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export SEGRT_SOURCE_DIR=$PWD
SEGRT=$X/bin/segrt
log() { echo "== $*" | tee -a "$R/cpu-summary.txt"; }
: > "$R/cpu-summary.txt"
log "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;" \
    "flags: $(grep -m1 -o -w -E 'avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u | xargs)"
log "segrt: $($SEGRT bench models/membrane_unet.onnx -b cpu --shape 64x64 -n 1 --json 2>/dev/null | tail -n 1 | $PY -c 'import json,sys; print(json.loads(sys.stdin.read()).get("device_name"))')"

# 1. Tests: the CPU backend's own (fp32 and bf16) and the bundled model in bf16.
"$X/bin/segrt_tests" --gtest_filter='Cpu*:MembraneModelCpuBf16*:InsertQdq*:FuseQdqConv*:QuantizeLinear*:Float8*' 2>&1 | tee "$R/cpu-tests.txt" | grep -E '^\[  (PASSED|FAILED|SKIPPED) |agreement|variant|Skipped' | tail -n 20
rc_tests=${PIPESTATUS[0]}
log "CPU tests exit $rc_tests"
[ -n "${SKIP_BENCH:-}" ] && exit "$rc_tests"

# 2. segrt fp32 / bf16 against ONNX Runtime fp32, interleaved rounds.
M=$X/models
for n in unet64 unet16; do $PY "$X/gpu_models.py" fill "$M/$n.skel.onnx" "$M/$n.onnx"; done
ROUNDS=${ROUNDS:-3} ITERS=${ITERS:-5}
THREADS=${THREADS:-2 all}
jf() { $PY -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
med() { $PY -c "import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))" "$@"; }
ROWS=()
# SKIP_FLOAT=1 skips this section (the int8 section below still runs).
for t in $([ -z "${SKIP_FLOAT:-}" ] && echo "$THREADS"); do
  [ "$t" = all ] && t=$(nproc)
  for m in "unet64 256" "unet16 512"; do
    read -r name size <<<"$m"
    model=$M/$name.onnx
    $PY -c "import numpy as np; x=np.random.default_rng(0).random((1,1,$size,$size),dtype=np.float32); np.save('$X/x.npy',x); x.tofile('$X/x.bin')"
    f32=() b16=() ort=() gmacs=0
    for r in $(seq "$ROUNDS"); do
      l=$($SEGRT bench "$model" -b cpu -p fp32 --threads "$t" --shape "${size}x${size}" -n "$ITERS" --warmup 1 --json 2>&1 | tail -n 1)
      f32+=("$(jf "$l" median_ms)"); gmacs=$(jf "$l" gmacs)
      l=$($SEGRT bench "$model" -b cpu -p bf16 --threads "$t" --shape "${size}x${size}" -n "$ITERS" --warmup 1 --json 2>&1 | tail -n 1)
      b16+=("$($PY -c "import json,sys; print(json.loads(sys.argv[1]).get('median_ms','nan'))" "$l" 2>/dev/null || echo nan)")
      l=$($PY "$X/ort_bench.py" "$model" "$X/x.bin" "1,1,$size,$size" "$t" "$ITERS" 1 "$X/ort.bin" | tail -n 1)
      ort+=("$(jf "$l" median_ms)")
      echo "  $name t=$t round $r: segrt fp32 ${f32[-1]} ms, bf16 ${b16[-1]} ms, ORT ${ort[-1]} ms"
    done
    $SEGRT run "$model" -b cpu -p fp32 --threads "$t" -i "$X/x.npy" -o "$X/f32.npy" > /dev/null
    $SEGRT run "$model" -b cpu -p bf16 --threads "$t" -i "$X/x.npy" -o "$X/b16.npy" > /dev/null 2>&1
    diff=$($PY -c "
import numpy as np, os
o=np.fromfile('$X/ort.bin',dtype=np.float32); a=np.load('$X/f32.npy').ravel()
b=np.load('$X/b16.npy').ravel() if os.path.exists('$X/b16.npy') else None
s=f'fp32 {np.abs(a-o).max():.1e}'
if b is not None: s+=f', bf16 {np.abs(b-o).max():.1e}, class {100*np.mean((b>0.5)==(o>0.5)):.3f}%'
print(s)")
    rm -f "$X/b16.npy"
    ROWS+=("$($PY -c "
f,b,o,g=map(float, ['$(med "${f32[@]}")', '$(med "${b16[@]}")', '$(med "${ort[@]}")', '$gmacs'])
print(f'| $name ${size}x${size} | $t | {f:.1f} | {b:.1f} | {o:.1f} | {o/f:.2f} | {o/b:.2f} | {2*g/f*1e3:.0f} / {2*g/b*1e3:.0f} / {2*g/o*1e3:.0f} | $diff |')")")
  done
done
# 3. int8 (issue 17, docs/int8.md): calibrate on random inputs of the model's range
# (membrane: examples/membrane/26.png), then segrt int8 against segrt fp32 and
# ORT fp32 at the same sizes, with the class agreement int8 vs fp32.
I8ROWS=()
if [ -z "${SKIP_INT8:-}" ]; then
  $SEGRT calibrate models/membrane_unet.onnx --images examples/membrane/26.png -b cpu -o "$X/membrane.calib.json" > /dev/null
  for t in $THREADS; do
    [ "$t" = all ] && t=$(nproc)
    for m in "membrane 512" "unet64 256" "unet16 512"; do
      read -r name size <<<"$m"
      if [ "$name" = membrane ]; then
        model=models/membrane_unet.onnx; cal=$X/membrane.calib.json
        $PY -c "import numpy as np; x=np.random.default_rng(1).random((1,1,$size,$size),dtype=np.float32); np.save('$X/x.npy',x); x.tofile('$X/x.bin')"
      else
        model=$M/$name.onnx; cal=$X/$name.calib.json
        $PY -c "import numpy as np; [np.save(f'$X/c{i}.npy', np.random.default_rng(10+i).random((1,1,$size,$size),dtype=np.float32)) for i in range(4)]; x=np.random.default_rng(0).random((1,1,$size,$size),dtype=np.float32); np.save('$X/x.npy',x); x.tofile('$X/x.bin')"
        $SEGRT calibrate "$model" --inputs "$X"/c?.npy -b cpu --threads "$t" -o "$cal" > /dev/null
      fi
      f32=() i8=() ort=()
      for r in $(seq "$ROUNDS"); do
        l=$($SEGRT bench "$model" -b cpu --threads "$t" --shape "${size}x${size}" -n "$ITERS" --warmup 1 --json 2>&1 | tail -n 1)
        f32+=("$(jf "$l" median_ms)")
        l=$($SEGRT bench "$model" -b cpu --threads "$t" --shape "${size}x${size}" -n "$ITERS" --warmup 1 --json --calibration "$cal" 2>&1 | tail -n 1)
        i8+=("$(jf "$l" median_ms)")
        l=$($PY "$X/ort_bench.py" "$model" "$X/x.bin" "1,1,$size,$size" "$t" "$ITERS" 1 "$X/ort.bin" | tail -n 1)
        ort+=("$(jf "$l" median_ms)")
        echo "  $name t=$t round $r: segrt fp32 ${f32[-1]} ms, int8 ${i8[-1]} ms, ORT fp32 ${ort[-1]} ms"
      done
      $SEGRT run "$model" -b cpu --threads "$t" -i "$X/x.npy" -o "$X/f32.npy" > /dev/null
      $SEGRT run "$model" -b cpu --threads "$t" -i "$X/x.npy" -o "$X/i8.npy" --calibration "$cal" > /dev/null
      agree=$($PY -c "
import numpy as np
a, b = np.load('$X/f32.npy'), np.load('$X/i8.npy')
c = (a > 0.5) == (b > 0.5) if a.shape[1] == 1 else a.argmax(1) == b.argmax(1)
print(f'{100 * c.mean():.3f}%')")
      I8ROWS+=("$($PY -c "
f,q,o=map(float, ['$(med "${f32[@]}")', '$(med "${i8[@]}")', '$(med "${ort[@]}")'])
print(f'| $name ${size}x${size} | $t | {f:.1f} | {q:.1f} | {o:.1f} | {f/q:.2f} | {o/q:.2f} | $agree |')")")
    done
  done
fi
{
  echo
  echo "| model | threads | segrt fp32 ms | segrt int8 ms | ORT fp32 ms | int8 speed-up over segrt fp32 | over ORT fp32 | class agreement int8 vs fp32 |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${I8ROWS[@]}"
} | tee -a "$R/cpu-summary.txt"
{
  echo
  echo "| model | threads | segrt fp32 ms | segrt bf16 ms | ORT fp32 ms | ORT/segrt fp32 | ORT fp32/segrt bf16 | GFLOP/s fp32 / bf16 / ORT | max abs vs ORT |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee -a "$R/cpu-summary.txt"
exit "$rc_tests"
