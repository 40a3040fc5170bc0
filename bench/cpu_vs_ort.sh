#!/usr/bin/env bash
# segrt's CPU backend against ONNX Runtime (onnxruntime-node, CPU execution
# provider, all graph optimizations, the same thread count) on the classic
# U-Net of ../shared/peers/torch_unet.py: base 64 at 1x1x256x256 and base 16
# at 1x1x512x512. Rounds alternate segrt and ORT (fresh processes each), the
# outputs are checked against each other, and the medians of the round
# medians go into a ratio table with GFLOP/s against the machine's measured
# fp32 peak and the peak RSS of both.
#   bench/cpu_vs_ort.sh                     # ROUNDS=5 ITERS=10 THREADS=2
#   PRECISIONS="fp32 bf16" bench/cpu_vs_ort.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SEGRT=${SEGRT:-$ROOT/build/tools/segrt/segrt}
PEER=${PEER:-$ROOT/../shared/peers/torch_unet.py}
WORK=${WORK:-/tmp/segrt_cpu_vs_ort}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
ITERS=${ITERS:-10}
WARMUP=${WARMUP:-2}
PEAK_GFLOPS=${PEAK_GFLOPS:-230}   # FMA loop on 2 threads of this machine (issue 5)
PRECISIONS=${PRECISIONS:-fp32}
PY=/usr/bin/python3               # Debian's torch 1.13 and numpy
mkdir -p "$WORK"

[ -x "$SEGRT" ] || { echo "build segrt first ($SEGRT)"; exit 1; }
if [ ! -d "$HERE/node_modules/onnxruntime-node" ]; then
  # The package's install script would fetch GPU binaries from an unreachable host.
  (cd "$HERE" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save --no-package-lock onnxruntime-node@1.30.0)
fi

# name base size
MODELS=("unet64_256 64 256" "unet16_512 16 512")
for m in "${MODELS[@]}"; do
  read -r name base size <<<"$m"
  if [ ! -f "$WORK/$name.onnx" ]; then
    "$PY" "$PEER" --export "$WORK/$name.onnx" --base "$base" 2>/dev/null
  fi
  if [ ! -f "$WORK/${name}_x.npy" ]; then
    "$PY" -c "import numpy as np; x=np.random.default_rng(0).random((1,1,$size,$size),dtype=np.float32); np.save('$WORK/${name}_x.npy',x); x.tofile('$WORK/${name}_x.bin')"
  fi
done

json_field() { "$PY" -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
median() { "$PY" -c "import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))" "$@"; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); threads $THREADS, $ROUNDS rounds x $ITERS iterations"
ROWS=()
status=0
for m in "${MODELS[@]}"; do
  read -r name base size <<<"$m"
  model="$WORK/$name.onnx"
  # Outputs agree (segrt fp32 vs ORT)?
  "$SEGRT" run "$model" -b cpu --threads "$THREADS" -i "$WORK/${name}_x.npy" -o "$WORK/${name}_segrt.npy" >/dev/null
  for prec in $PRECISIONS; do
    s_ms=() o_ms=() s_rss=0 o_rss=0 gmacs=0 ok=1
    for r in $(seq "$ROUNDS"); do
      line=$("$SEGRT" bench "$model" -b cpu -p "$prec" --threads "$THREADS" --shape "${size}x${size}" \
             -n "$ITERS" --warmup "$WARMUP" --json 2>&1 | tail -n 1) || { echo "$name $prec: segrt failed: $line"; ok=0; break; }
      s_ms+=("$(json_field "$line" median_ms)")
      gmacs=$(json_field "$line" gmacs)
      s_rss=$(json_field "$line" peak_rss_bytes)
      oline=$(node "$HERE/ort_bench.js" "$model" "$WORK/${name}_x.bin" "1,1,$size,$size" "$THREADS" "$ITERS" "$WARMUP" \
              "$WORK/${name}_ort.bin" | tail -n 1)
      o_ms+=("$(json_field "$oline" median_ms)")
      o_rss=$(json_field "$oline" peak_rss_bytes)
      echo "  $name $prec round $r: segrt ${s_ms[-1]} ms, ORT ${o_ms[-1]} ms (load $(cut -d' ' -f1 /proc/loadavg))"
    done
    [ "$ok" = 1 ] || { status=1; continue; }
    diff=$("$PY" -c "import numpy as np; a=np.load('$WORK/${name}_segrt.npy').ravel(); b=np.fromfile('$WORK/${name}_ort.bin',dtype=np.float32); print(f'{np.abs(a-b).max():.2e}')")
    sm=$(median "${s_ms[@]}"); om=$(median "${o_ms[@]}")
    ROWS+=("$("$PY" -c "
s,o,g,pk=$sm,$om,$gmacs,$PEAK_GFLOPS
sg=2*g/s*1e3; og=2*g/o*1e3
print(f'| $name | $prec | {s:.1f} | {o:.1f} | {o/s:.2f} | {sg:.0f} ({100*sg/pk:.0f}%) | {og:.0f} ({100*og/pk:.0f}%) | {$s_rss/2**20:.0f} | {$o_rss/2**20:.0f} | $diff |')")")
  done
done
echo
echo "| model | segrt precision | segrt ms | ORT fp32 ms | ORT/segrt | segrt GFLOP/s (% of $PEAK_GFLOPS) | ORT GFLOP/s | segrt peak RSS MiB | ORT peak RSS MiB | max abs diff (fp32) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
exit $status
