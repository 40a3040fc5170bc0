#!/usr/bin/env bash
# A calibration table on a Keras (NHWC) model: hershey890's trained U-Net
# (../shared/models, not redistributable: skipped visibly when absent),
# calibrated on random inputs of its training range [0, 1), then run in int8
# on the CPU backend: its convolutions must become QLinearConvs and the class
# map (argmax over its 2 channels) agree with fp32 on a held-out input (>= 99 %).
set -uo pipefail
SEGRT=$1
ROOT=${SEGRT_SOURCE_DIR:?}
PY=${PY:-/usr/bin/python3}
M=$ROOT/../shared/models/hershey890-Image_Segmentation_STM32/unet_1.h5
[ -f "$M" ] || { echo "SKIP: $M absent (../shared/models)"; exit 77; }
"$PY" -c "import numpy" 2>/dev/null || { echo "SKIP: $PY lacks numpy"; exit 77; }
# Captured first: under pipefail, segrt's own non-zero exit would fail a "| grep -q" pipeline.
probe=$("$SEGRT" run "$ROOT/models/membrane_unet.onnx" -i /dev/null -b cpu 2>&1)
grep -q "is not built into this segrt" <<<"$probe" && { echo "SKIP: no CPU backend: $probe"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$PY" -c "
import numpy as np
for i in range(5): np.save('$T/x%d.npy' % i, np.random.RandomState(i).rand(1, 64, 64, 1).astype(np.float32))"
"$SEGRT" calibrate "$M" --inputs "$T/x0.npy" "$T/x1.npy" "$T/x2.npy" "$T/x3.npy" -o "$T/t.json" || { echo "FAIL: calibrate"; exit 1; }
"$SEGRT" run "$M" -i "$T/x4.npy" -o "$T/i8.npy" --calibration "$T/t.json" -b cpu -v > "$T/i8.log" 2>&1 || { echo "FAIL: int8 run: $(tail -3 "$T/i8.log")"; exit 1; }
"$SEGRT" run "$M" -i "$T/x4.npy" -o "$T/f32.npy" -b cpu > /dev/null 2>&1 || { echo "FAIL: fp32 run"; exit 1; }
nq=$(grep -cE "fuse_qdq_conv: .*QLinearConv" "$T/i8.log")
echo "$nq convolutions fused into QLinearConv"
[ "$nq" -ge 10 ] || { echo "FAIL: expected most of the 17 convolutions in int8"; grep insert_qdq "$T/i8.log" | head; exit 1; }
"$PY" - "$T" <<'PYEOF'
import sys
import numpy as np
a, b = np.load(sys.argv[1] + "/i8.npy"), np.load(sys.argv[1] + "/f32.npy")
agree = (a.argmax(-1) == b.argmax(-1)).mean()
print(f"int8 vs fp32: class agreement {100 * agree:.3f}%, max |dp| {np.abs(a - b).max():.4f}")
sys.exit(0 if agree >= 0.99 else 1)
PYEOF
