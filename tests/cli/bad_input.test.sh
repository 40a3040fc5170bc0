#!/usr/bin/env bash
# Bad input through the CLI (issue 2, item 8): truncated, garbage and empty
# .onnx files, a missing initializer, inconsistent shapes, an unsupported op
# or domain, the wrong number of inputs, .npy files of the wrong dtype or
# shape or not .npy at all. Each must give a clear message naming the file,
# node and reason, and its documented exit code (README: 3 model, 4 input
# data, 5 I/O), never a crash; 200 randomly corrupted models likewise.
# Usage: bad_input.test.sh path/to/segrt   (exit 77 = skipped)
set -uo pipefail
SEGRT=${1:?usage: bad_input.test.sh path/to/segrt}
HERE=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c "import onnx, numpy" 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks onnx or numpy (apt-get install python3-onnx)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$HERE/make_bad_models.py" "$T" || { echo "FAILED: could not build the test models"; exit 1; }

failures=0
# expect NAME WANT_RC 'needle1|needle2...' -- segrt args...
expect() {
  local name=$1 want=$2 needles=$3
  shift 4
  local err rc
  err=$("$SEGRT" "$@" 2>&1 >/dev/null)
  rc=$?
  local ok=1
  [ "$rc" -eq "$want" ] || ok=0
  IFS='|' read -ra parts <<<"$needles"
  for n in "${parts[@]}"; do grep -qF -- "$n" <<<"$err" || ok=0; done
  if [ $ok -eq 1 ]; then
    echo "ok   $name (exit $rc): $err"
  else
    echo "FAIL $name: exit $rc (want $want), message must contain '$needles':"
    echo "     $err"
    failures=$((failures + 1))
  fi
}

expect "good model runs" 0 "" -- run "$T/good.onnx" -i "$T/x.npy" -o "$T/y.npy"
expect "truncated .onnx" 3 "truncated.onnx|not a valid ONNX model" -- run "$T/truncated.onnx" -i "$T/x.npy"
expect "garbage .onnx" 3 "garbage.onnx|not a valid ONNX model" -- inspect "$T/garbage.onnx"
expect "empty .onnx" 3 "empty.onnx|empty" -- run "$T/empty.onnx" -i "$T/x.npy"
expect "missing .onnx" 5 "nope.onnx" -- run "$T/nope.onnx" -i "$T/x.npy"
expect "missing initializer" 3 "missing_init.onnx|conv1|'W'|missing initializer" -- run "$T/missing_init.onnx" -i "$T/x.npy"
expect "conv channel mismatch" 3 "channel_mismatch.onnx|conv1|Conv|[1,3,8,8]|[4,2,3,3]" -- run "$T/channel_mismatch.onnx" -i "$T/x.npy"
expect "conv channel mismatch (inspect)" 3 "channel_mismatch.onnx|conv1" -- inspect "$T/channel_mismatch.onnx"
expect "impossible reshape" 3 "bad_reshape.onnx|reshape1|cannot reshape [2,3]" -- run "$T/bad_reshape.onnx" -i "$T/a.npy"
expect "unsupported op" 3 "unsupported_op.onnx|rnd1|RandomUniformLike|not supported (random" -- run "$T/unsupported_op.onnx" -i "$T/x.npy"
expect "no default-domain opset" 3 "training_domain.onnx|ai.onnx.preview.training" -- inspect "$T/training_domain.onnx"
expect "too few inputs" 4 "two_inputs.onnx|takes 2 input(s) (a [2,3], b [2,3])" -- run "$T/two_inputs.onnx" -i "$T/a.npy"
expect "too many inputs" 4 "good.onnx|takes 1 input(s) (x [1,3,8,8])" -- run "$T/good.onnx" -i "$T/x.npy" -i "$T/x.npy"
expect "float64 .npy for float32 input" 0 "" -- run "$T/good.onnx" -i "$T/x_f64.npy"
expect "wrong .npy dtype" 4 "x_i64.npy|'x'|float32|int64" -- run "$T/good.onnx" -i "$T/x_i64.npy"
expect "wrong .npy shape" 4 "[1,3,8,8]|[1,3,8]|'x'" -- run "$T/good.onnx" -i "$T/x_badshape.npy"
expect "garbage .npy" 4 "garbage.npy" -- run "$T/good.onnx" -i "$T/garbage.npy"
expect "missing .npy" 5 "nope.npy" -- run "$T/good.onnx" -i "$T/nope.npy"

expect "shape-op chain runs" 0 "" -- run "$T/chain.onnx" -i "$T/x.npy"
# Random corruptions of good.onnx and chain.onnx: errors, never crashes.
mkdir -p "$T/corrupt"
cp "$T/good.onnx" "$T/chain.onnx" "$T/x.npy" "$T/corrupt/"
/usr/bin/python3 "$HERE/corrupt_models.py" "$SEGRT" "$T/corrupt" || failures=$((failures + 1))

if [ $failures -ne 0 ]; then
  echo "FAILED: $failures bad-input case(s)"
  exit 1
fi
echo "all bad-input cases give clear errors and the documented exit codes"
