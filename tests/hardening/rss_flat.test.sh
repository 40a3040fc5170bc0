#!/usr/bin/env bash
# A long run loop keeps resident memory flat (issue 16, point 5): the bundled
# U-Net at 64x64 run RSS_RUNS times (default 2000; the issue's 10,000 with
# RSS_RUNS=10000) in one process on the CPU backend (ref when oneDNN is not
# built); RSS may not grow by more than 4 MiB after warm-up.
# Usage: rss_flat.test.sh path/to/segrt   (the loop binary sits in the build's tests/)
set -uo pipefail
SEGRT=${1:?usage: rss_flat.test.sh path/to/segrt}
SRC=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
LOOP="${SEGRT_BUILD_DIR:-$(dirname "$SEGRT")/../..}/tests/segrt_rss_loop"
[ -x "$LOOP" ] || { echo "SKIP: $LOOP not built"; exit 77; }
backend=cpu
"$LOOP" "$SRC/models/membrane_unet.onnx" 2 cpu 2>/dev/null >/dev/null || backend=ref
runs=${RSS_RUNS:-2000}
[ $backend = ref ] && runs=$((runs / 10))
"$LOOP" "$SRC/models/membrane_unet.onnx" "$runs" "$backend" 64x64
