#!/usr/bin/env bash
# segrt serve against in-process `segrt bench`: the bundled membrane U-Net at
# 256x256x1 (SHAPE=HxW to change), 64 concurrent clients over HTTP (wrk, binary tensor data) and gRPC
# (segrt_grpc_load), with dynamic batching (max_batch 16) and without; prints
# images/s, the ratio to `segrt bench --batch 16`, p50/p99 latency.
#
#   bench/serve_load.sh [BUILD_DIR] [BACKEND] [PRECISION] [SECONDS]
#   bench/serve_load.sh build cuda fp16 20      # the GPU must-show (issue #14)
#   SHAPE=64x64 INSTANCES=1 bench/serve_load.sh build cpu fp32 10   # a 2-core CPU machine
set -euo pipefail
BUILD=${1:-build}
BACKEND=${2:-cuda}
PREC=${3:-fp16}
SECS=${4:-20}
CLIENTS=${CLIENTS:-64}
INSTANCES=${INSTANCES:-2}
DELAY_US=${DELAY_US:-2000}
SHAPE=${SHAPE:-256x256}
export SEGRT_SHAPE=$SHAPE
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SEGRT=$BUILD/tools/segrt/segrt
LOAD=$BUILD/src/server/segrt_grpc_load
command -v wrk >/dev/null || { echo "wrk missing: scripts/setup.sh installs it"; exit 1; }
[ -x "$LOAD" ] || { echo "$LOAD missing: build the segrt_grpc_load target"; exit 1; }
T=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

bench_json=$("$SEGRT" bench "$ROOT/models/membrane_unet.onnx" --backend "$BACKEND" --precision "$PREC" \
  --shape "$SHAPE" --batch 16 -n 200 --json | tail -1)
BENCH_IPS=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['throughput_ips'])" "$bench_json")
echo "in-process: segrt bench --batch 16 --shape $SHAPE --precision $PREC: $BENCH_IPS images/s"

serve() {  # $1 = max_batch
  mkdir -p "$T/repo$1/membrane"
  ln -sf "$ROOT/models/membrane_unet.onnx" "$T/repo$1/membrane/"
  python3 - "$ROOT/models/membrane_unet.segrt.json" "$T/repo$1/membrane/membrane_unet.segrt.json" "$1" \
    "$BACKEND" "$PREC" "$INSTANCES" "$DELAY_US" "$SHAPE" <<'PY'
import json, sys
src, dst, mb, backend, prec, inst, delay, shape = sys.argv[1:]
j = json.load(open(src))
j["serving"] = {"max_batch": int(mb), "batch_delay_us": int(delay) if int(mb) > 1 else 0, "instances": int(inst),
                "backend": backend, "precision": prec, "max_queue": 4096, "warmup_shape": [1] + [int(v) for v in shape.split("x")]}
json.dump(j, open(dst, "w"), indent=1)
PY
  "$SEGRT" serve --model-repository "$T/repo$1" --http-port 18000 --grpc-port 18001 --http-threads 160 \
    --no-access-log 2>"$T/serve$1.log" &
  PID=$!
  for _ in $(seq 600); do
    grep -q listening "$T/serve$1.log" && return 0
    kill -0 "$PID" 2>/dev/null || { cat "$T/serve$1.log"; exit 1; }
    sleep 0.5
  done
  echo "server did not start"; exit 1
}

printf '\n%-10s %-6s %12s %9s %9s %9s\n' batching proto images/s vs-bench p50-ms p99-ms
for mb in 16 1; do
  serve $mb
  wrk -t4 -c"$CLIENTS" -d3s -s "$ROOT/bench/serve_infer.lua" http://127.0.0.1:18000 >/dev/null  # settle
  h=$(wrk -t8 -c"$CLIENTS" -d"${SECS}s" --latency --timeout 30s -s "$ROOT/bench/serve_infer.lua" \
      http://127.0.0.1:18000 | grep segrt-wrk)
  g=$("$LOAD" --target 127.0.0.1:18001 --clients "$CLIENTS" --shape "$SHAPE" --seconds "$SECS" | grep segrt-grpc)
  for line in "$h" "$g"; do
    python3 - "$line" "$BENCH_IPS" "$mb" <<'PY'
import re, sys
line, bench, mb = sys.argv[1], float(sys.argv[2]), sys.argv[3]
m = re.search(r"segrt-(\w+): .*?([\d.]+) images/s; p50 ([\d.]+) ms p99 ([\d.]+) ms; (?:non-200|errors) (\d+)", line)
proto, ips, p50, p99, err = m.group(1), float(m.group(2)), m.group(3), m.group(4), m.group(5)
print(f"{'max ' + mb:<10} {proto:<6} {ips:12.1f} {100 * ips / bench:8.1f}% {p50:>9} {p99:>9}" + (f"  ({err} errors)" if err != "0" else ""))
PY
  done
  kill -TERM "$PID"; wait "$PID" || true; PID=""
  grep -o '"event":"drained[^"]*"' "$T/serve$mb.log" | sed 's/^/  /'
done
