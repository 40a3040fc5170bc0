#!/usr/bin/env bash
# A QDQ model made outside segrt (tests/int8/make_qdq_model.py: ONNX's Python
# helpers, the membrane U-Net and a calibration table, int8 activations) runs
# on every backend: the reference backend computes its Q/DQ graph exactly in
# float; the CPU (oneDNN) and CUDA (cuDNN) backends fuse each DQ -> Conv -> Q
# into an 8-bit convolution. Their class maps must agree with the
# reference's: the fused path rounds the bias to the accumulator's step and
# rounds between layers in integers, so a pixel may flip only where the
# reference's probability lies within 0.1 of the 0.5 threshold, and at most
# 0.2 % of them. BACKENDS="cpu cuda" on a GPU machine (default: cpu).
set -uo pipefail
SEGRT=$1
ROOT=${SEGRT_SOURCE_DIR:?}
PY=${PY:-/usr/bin/python3}
BACKENDS=${BACKENDS:-cpu}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$PY" -c "import numpy, onnx, PIL" 2>/dev/null || { echo "SKIP: $PY lacks numpy, onnx or PIL"; exit 77; }
MODEL=$ROOT/models/membrane_unet.onnx
"$SEGRT" calibrate "$MODEL" --images "$ROOT/examples/membrane/26.png" -b ref -o "$T/t.json" > /dev/null 2>&1 ||
  "$SEGRT" calibrate "$MODEL" --images "$ROOT/examples/membrane/26.png" -o "$T/t.json" > /dev/null ||
  { echo "FAIL: calibrate"; exit 1; }
"$PY" "$ROOT/tests/int8/make_qdq_model.py" "$MODEL" "$T/t.json" "$T/qdq.onnx" || { echo "FAIL: make_qdq_model.py"; exit 1; }
"$PY" -c "
import numpy as np
from PIL import Image
x = np.array(Image.open('$ROOT/examples/membrane/27.png').convert('L'), np.float32)[None, None, :256, :256] / 255
np.save('$T/x.npy', x)"
"$SEGRT" run "$T/qdq.onnx" -i "$T/x.npy" -o "$T/ref.npy" -b ref || { echo "FAIL: ref run"; exit 1; }
ran=0
for b in $BACKENDS; do
  if ! "$SEGRT" run "$T/qdq.onnx" -i "$T/x.npy" -o "$T/$b.npy" -b "$b" -v > "$T/$b.log" 2>&1; then
    grep -qiE "not built|unavailable|no CUDA" "$T/$b.log" && { echo "$b: not usable here, skipped"; continue; }
    echo "FAIL: $b run: $(tail -3 "$T/$b.log")"; exit 1
  fi
  ran=$((ran + 1))
  echo "$b: $(grep -cE 'fuse_qdq_conv: .*QLinearConv' "$T/$b.log") convolutions fused into QLinearConv"
  "$PY" - "$T/ref.npy" "$T/$b.npy" "$b" <<'PYEOF' || exit 1
import sys
import numpy as np
ref, got, name = np.load(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3]
flip = (ref > 0.5) != (got > 0.5)
near = np.abs(ref[flip] - 0.5).max() if flip.any() else 0.0
agree = 1 - flip.mean()
print(f"{name} vs ref: class agreement {100 * agree:.3f}% ({int(flip.sum())} pixels differ, farthest "
      f"{near:.3f} from the threshold), max |dp| {np.abs(ref - got).max():.4f}")
sys.exit(0 if agree >= 0.998 and near <= 0.1 else 1)
PYEOF
done
[ $ran -gt 0 ] || { echo "SKIP: none of '$BACKENDS' is usable here"; exit 77; }
echo OK
