#!/usr/bin/env bash
# segrt bench: runs the bundled membrane U-Net at a small size and checks that
# the last line of --json output is one JSON object with the documented fields.
# Usage: bench.test.sh path/to/segrt
set -euo pipefail
SEGRT=${1:?usage: bench.test.sh path/to/segrt}
MODEL=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/models/membrane_unet.onnx
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
"$SEGRT" bench "$MODEL" --shape 64x48 --batch 2 --iterations 3 --warmup 1 --threads 2 --json >"$OUT"
cat "$OUT"
tail -n 1 "$OUT" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
need = ["median_ms", "p90_ms", "p99_ms", "throughput_ips", "peak_memory_bytes", "backend", "precision", "batch", "device_name"]
missing = [k for k in need if k not in r]
assert not missing, f"missing fields: {missing}"
assert r["batch"] == 2 and r["input_shape"] == "[2,1,64,48]", r
assert 0 < r["median_ms"] <= r["p90_ms"] <= r["p99_ms"], r
assert r["peak_memory_bytes"] > 0 and r["throughput_ips"] > 0, r
print("bench JSON ok:", r["backend"], r["median_ms"], "ms")
'
# A bad shape is a usage error with a clear message, not a crash.
if "$SEGRT" bench "$MODEL" --shape 64y48 2>"$OUT"; then echo "bad --shape accepted"; exit 1; fi
grep -q "should look like 256x256" "$OUT" || { cat "$OUT"; exit 1; }
echo "1 passed, 0 failed"
