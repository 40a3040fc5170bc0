#!/usr/bin/env bash
# segrt inspect --verbose / --backend: after the canonical layer table, the
# plan the backend compiles (passes, its own rewrites, nodes not on its own
# kernels, the rewritten graph). The bundled U-Net on the CPU: convolutions
# carry their fused Relu, the decoder Concats are written in place by their
# producers (the in-place mark), and every node runs natively.
# Usage: inspect_plan.test.sh path/to/segrt   (exit 77 = skipped: no CPU backend)
set -euo pipefail
SEGRT=${1:?usage: inspect_plan.test.sh path/to/segrt}
MODEL=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/models/membrane_unet.onnx
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
fail=0
expect() {  # expect WHAT PATTERN: the output holds a line matching PATTERN
  if grep -Eq -- "$2" "$OUT"; then echo "ok   $1"; else echo "FAIL $1 (no line matching '$2')"; fail=1; fi
}
if ! "$SEGRT" inspect "$MODEL" --backend cpu --shape 64x64 >"$OUT" 2>&1; then
  if grep -q "backend 'cpu'" "$OUT"; then echo "SKIP: $(head -n 1 "$OUT")"; exit 77; fi
  cat "$OUT"; exit 1
fi
expect "plan header" '^plan: backend cpu '
expect "passes listed" '^passes:'
expect "in-place concat reported" '^  concat_in_place: '
expect "no fallback" "^  \(none: every node runs natively\)"
expect "rewritten graph" "^the graph the backend runs \([0-9]+ layers\)"
expect "fused Conv+Relu row" ' Conv\+Relu '
expect "in-place Concat row" ' Concat \(in place\) '
# Without --verbose or --backend there is no plan section; --verbose alone shows ref's.
"$SEGRT" inspect "$MODEL" --shape 64x64 >"$OUT" 2>&1
if grep -q '^plan:' "$OUT"; then echo "FAIL plain inspect shows a plan"; fail=1; else echo "ok   plain inspect: table only"; fi
"$SEGRT" inspect "$MODEL" --shape 64x64 --verbose >"$OUT" 2>&1
expect "--verbose: ref plan" '^plan: backend ref '
expect "--verbose: ref has no rewrites" '^  \(none\)$'
[ "$fail" = 0 ] && echo "inspect_plan: all passed"
exit $fail
