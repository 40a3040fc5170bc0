#!/usr/bin/env bash
# ONNX conformance on the CPU backend: every case that passes on the reference
# backend must pass on the CPU backend too (the CPU backend runs unsupported
# nodes on the reference kernels, so it may not turn a PASS into FAIL or UNSUPPORTED).
# Usage: conformance_cpu.test.sh path/to/segrt   (exit 77 = skipped)
set -euo pipefail
SEGRT=${1:?usage: conformance_cpu.test.sh path/to/segrt}
DATA=${SEGRT_ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
if [ ! -d "$DATA/node" ]; then
  echo "SKIP: $DATA/node not found (apt-get install libonnx-testdata)"
  exit 77
fi
if ! "$SEGRT" onnx-test -b cpu "$DATA/simple" >/dev/null 2>&1 && "$SEGRT" onnx-test -b cpu "$DATA/simple" 2>&1 | grep -q "unknown backend\|built in"; then
  echo "SKIP: segrt built without the CPU backend"
  exit 77
fi
REF=$(mktemp) CPU=$(mktemp)
trap 'rm -f "$REF" "$CPU"' EXIT
SUITES=("$DATA/node" "$DATA/pytorch-converted" "$DATA/pytorch-operator" "$DATA/simple")
"$SEGRT" onnx-test -b ref "${SUITES[@]}" >"$REF" 2>&1 || true
"$SEGRT" onnx-test -b cpu --threads 2 "${SUITES[@]}" >"$CPU" 2>&1 || true
echo "ref: $(tail -n 1 "$REF")"
echo "cpu: $(tail -n 1 "$CPU")"
status=0
grep -q ' passed, ' <(tail -n 1 "$CPU") || { echo "FAILED: no summary from the CPU run (crash?)"; status=1; }
bad=0
while read -r c; do
  if ! grep -qx "PASS $c" "$CPU"; then
    echo "passes on ref, not on cpu: $(grep -E "^(FAIL|UNSUPPORTED) $c(:|\$)" "$CPU" || echo "$c (not run)")"
    bad=$((bad + 1))
  fi
done < <(sed -n 's/^PASS //p' "$REF")
echo "$(grep -c '^PASS ' "$REF") cases pass on ref; $bad of them do not pass on cpu"
[ "$bad" -eq 0 ] || status=1
exit $status
