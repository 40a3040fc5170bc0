#!/usr/bin/env bash
# Limits against hostile input (issue 16, point 4): each crafted file of
# make_hostile_files.py must give its clear error and exit code (3 model,
# 4 input data; `segment` reports an unreadable image of its batch with 1),
# quickly, without a crash, a hang or a large allocation (every command runs
# under `ulimit -v` of 2 GiB and a 60 s timeout).
# Usage: limits.test.sh path/to/segrt   (exit 77 = skipped)
set -uo pipefail
SEGRT=${1:?usage: limits.test.sh path/to/segrt}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${SEGRT_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
PY=/usr/bin/python3
if ! $PY -c "import numpy, h5py, onnx" 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks numpy, h5py or onnx"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
$PY "$HERE/make_hostile_files.py" "$T" || { echo "FAILED: could not write the crafted files"; exit 1; }
MODEL="$SRC/models/membrane_unet.onnx"

failures=0
# expect NAME WANT_RC 'needle1|needle2' -- segrt args...
expect() {
  local name=$1 want=$2 needles=$3
  shift 4
  local out rc
  # (ASan reserves terabytes of address space: no ulimit -v under scripts/sanitize.sh.)
  out=$( ([ -n "${SEGRT_SANITIZED:-}" ] || ulimit -v $((2 << 20)); timeout -s KILL 60 "$SEGRT" "$@") 2>&1)
  rc=$?
  local ok=1
  [ "$rc" -eq "$want" ] || ok=0
  IFS='|' read -ra parts <<<"$needles"
  for n in "${parts[@]}"; do grep -qF -- "$n" <<<"$out" || ok=0; done
  if [ $ok -eq 1 ]; then
    echo "ok   $name (exit $rc): $(grep -m1 -E 'segrt:|warning:' <<<"$out")"
  else
    echo "FAIL $name: exit $rc (want $want), output must contain '$needles':"
    echo "$out" | head -5 | sed 's/^/     /'
    failures=$((failures + 1))
  fi
}

expect "control: a valid Keras .h5" 0 "dense" -- inspect "$T/dense_ok.h5"
# Found by fuzz_onnx (1 M executions, session 7): a Reshape target of [3, 256, 2^63 - 1]
# overflowed int64 in the shape function (UBSan); now refused as a model error.
expect "ONNX Reshape to 2^63 elements" 3 "onnx_reshape_2e63.onnx|more than 2^63 elements" -- \
  inspect "$HERE/onnx_reshape_2e63.onnx"
# Found by the rerun: a Reshape node without its shape input read past the node's input list (ASan).
expect "ONNX Reshape without its shape input" 3 "onnx_reshape_no_shape.onnx|(input 1) is missing" -- \
  inspect "$HERE/onnx_reshape_no_shape.onnx"
# Found by the third run: Pad amounts of 8.3e18 + 8.6e18 overflowed int64 (UBSan).
expect "ONNX Pad past 2^63" 3 "onnx_pad_2e63.onnx|is past 2^63" -- inspect "$HERE/onnx_pad_2e63.onnx"
expect "NaN/Inf weights are reported by inspect" 0 "holds 1 NaN and 2 Inf values" -- inspect "$T/dense_nan.h5"
expect "HDF5 dims of 4 EiB" 3 "dense_huge_dims.h5|over the limit" -- inspect "$T/dense_huge_dims.h5"
expect "HDF5 dataset larger than the file" 3 "dense_lying.h5|claims 67108864 bytes" -- inspect "$T/dense_lying.h5"
expect "nested models 40 deep" 3 "nested_deep.json|nested deeper than 16" -- \
  inspect "$T/nested_deep.json" --weights "$T/empty_weights.h5"
expect "JSON nested 100000 deep" 3 "json_deep.json|nests deeper than 256" -- \
  inspect "$T/json_deep.json" --weights "$T/empty_weights.h5"
expect "zip entry claiming 3.9 GB" 3 "keras_size_lie.keras|impossibly large" -- inspect "$T/keras_size_lie.keras"
expect "zip entry longer than declared" 3 "keras_crc_lie.keras|config.json" -- inspect "$T/keras_crc_lie.keras"
expect "zip bomb (200 MB config.json)" 3 "keras_json_bomb.keras|impossibly large" -- inspect "$T/keras_json_bomb.keras"
expect "ONNX dims whose product overflows" 3 "onnx_overflow.onnx|impossibly large" -- inspect "$T/onnx_overflow.onnx"
# Size arithmetic of the shape functions on model-supplied attributes (session 8's review of what fuzz_onnx had not reached).
expect "ONNX Resize to 1e30 pixels" 3 "onnx_resize_1e30.onnx|is past 2^63" -- inspect "$T/onnx_resize_1e30.onnx"
expect "ONNX Conv dilations 2^62" 3 "onnx_conv_dilation.onnx|dilations must be in [1, 2^31)" -- inspect "$T/onnx_conv_dilation.onnx"
expect "ONNX ConvTranspose strides 2^40" 3 "onnx_convt_stride.onnx|strides must be in [1, 2^31)" -- \
  inspect "$T/onnx_convt_stride.onnx"
if [ -f "$MODEL" ]; then
  expect ".npy shape whose product overflows" 4 "npy_overflow.npy|too large" -- run "$MODEL" -i "$T/npy_overflow.npy" -b ref
  expect ".npy shorter than its shape" 4 "npy_truncated.npy|truncated" -- run "$MODEL" -i "$T/npy_truncated.npy" -b ref
  expect ".npz member claiming 3.9 GB" 4 "npz_size_lie.npz|impossibly large" -- \
    compare "$MODEL" --reference "$T/npz_size_lie.npz" -b ref
  # segment skips an unreadable image and reports the batch as failed (exit 1, README); the message is the limit's.
  expect "PNG declaring 30000x30000" 1 "huge.png|30000x30000 pixels, over the limit" -- \
    segment "$MODEL" "$T/huge.png" -o "$T/o1" -b ref
  expect "TIFF declaring 100000x100000" 1 "huge.tif|100000x100000 pixels, over the limit" -- \
    segment "$MODEL" "$T/huge.tif" -o "$T/o2" -b ref
  # Found by fuzz_reference_npz: a stored member whose directory entry claims 2.95 GB in a 1 KB file.
  expect ".npz stored member claiming 2.95 GB" 4 "npz_stored_claims_3gb.npz|impossibly large" -- \
    compare "$MODEL" --reference "$HERE/npz_stored_claims_3gb.npz" -b ref
  # Found by fuzz_image_bmp: 40 bytes declaring 7 x 2,771,273 pixels, which stb took seconds to "decode".
  expect "BMP declaring 19 M pixels in 40 bytes" 1 "bmp_tall_40_bytes.bmp|in a file of 40 bytes" -- \
    segment "$MODEL" "$HERE/bmp_tall_40_bytes.bmp" -o "$T/o3" -b ref
else
  echo "skip: $MODEL absent, .npy / .npz / image cases not run"
fi
[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all limits hold"
