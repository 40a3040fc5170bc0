#!/usr/bin/env bash
# ONNX conformance: runs `segrt onnx-test` over the Debian libonnx-testdata
# suites (node, pytorch-converted, pytorch-operator, simple) and checks
#  1. no case FAILs (every case passes or is UNSUPPORTED with a reason);
#  2. of the cases in core_cases.txt (ops all in segrt's core list) at least
#     MIN_CORE_PASS pass, and each one that does not is UNSUPPORTED with a reason;
#  3. at least MIN_TOTAL_PASS cases pass over all suites, and every UNSUPPORTED
#     case names one of the reasons docs/ops.md lists ("What is not supported").
# Usage: conformance.test.sh path/to/segrt   (exit 77 = skipped: no test data)
# Env: CONFORMANCE_BACKEND (default ref), MIN_CORE_PASS (default 450: 453 pass today; issue 2 asks for 431, the margin catches regressions).
set -euo pipefail
SEGRT=${1:?usage: conformance.test.sh path/to/segrt}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${SEGRT_ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
MIN_CORE_PASS=${MIN_CORE_PASS:-450}
MIN_TOTAL_PASS=${MIN_TOTAL_PASS:-960}  # 964 pass today (issue 15 asks for 950)
# The reasons of docs/ops.md, as the load errors word them.
REASONS='strings|sequences/maps/optional|training|random|control flow|spectral|element type|is not a tensor|STRING|only the default ONNX domain|imports no opset of the default ONNX domain'
BACKEND=${CONFORMANCE_BACKEND:-ref}
if [ ! -d "$DATA/node" ]; then
  echo "SKIP: $DATA/node not found (apt-get install libonnx-testdata)"
  exit 77
fi
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
start=$(date +%s)
# Per-case lines for every case (-q would hide the PASS lines the core count needs).
"$SEGRT" onnx-test --backend "$BACKEND" "$DATA/node" "$DATA/pytorch-converted" "$DATA/pytorch-operator" "$DATA/simple" >"$OUT" || true
echo "onnx-test --backend $BACKEND took $(( $(date +%s) - start ))s"
summary=$(tail -n 1 "$OUT")
echo "all suites: $summary"
status=0
if ! grep -Eq '^[0-9]+ passed, 0 failed, [0-9]+ unsupported$' <<<"$summary"; then
  echo "FAILED: some cases fail:"
  grep '^FAIL ' "$OUT" || echo "(no summary line: segrt crashed?)"
  status=1
fi
core_total=0 core_pass=0 core_unsup=0 core_bad=0
while read -r c; do
  case "$c" in ''|'#'*) continue ;; esac
  core_total=$((core_total + 1))
  line=$(grep -E "^(PASS|FAIL|UNSUPPORTED) $c(:|\$)" "$OUT" || true)
  case "$line" in
    "PASS $c") core_pass=$((core_pass + 1)) ;;
    "UNSUPPORTED $c: "?*) core_unsup=$((core_unsup + 1)) ;;
    *) core_bad=$((core_bad + 1)); echo "core case $c: ${line:-not run}" ;;
  esac
done <"$HERE/core_cases.txt"
echo "core cases: $core_pass of $core_total pass, $core_unsup unsupported, $core_bad neither (need >= $MIN_CORE_PASS passing)"
if [ "$core_pass" -lt "$MIN_CORE_PASS" ] || [ "$core_bad" -ne 0 ]; then
  echo "FAILED: core conformance below the bar; unsupported core cases:"
  while read -r c; do
    case "$c" in ''|'#'*) continue ;; esac
    grep -E "^UNSUPPORTED $c:" "$OUT" | cut -c1-300 || true
  done <"$HERE/core_cases.txt"
  status=1
fi
total_pass=$(grep -c '^PASS ' "$OUT" || true)
echo "all suites: $total_pass passed (need >= $MIN_TOTAL_PASS)"
if [ "$total_pass" -lt "$MIN_TOTAL_PASS" ]; then
  echo "FAILED: fewer than $MIN_TOTAL_PASS cases pass"
  status=1
fi
unreasoned=$(grep '^UNSUPPORTED ' "$OUT" | grep -Ev "$REASONS" || true)
if [ -n "$unreasoned" ]; then
  echo "FAILED: unsupported cases without a reason from docs/ops.md:"
  cut -c1-300 <<<"$unreasoned"
  status=1
fi
exit $status
