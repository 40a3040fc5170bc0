#!/usr/bin/env bash
# GPU run only (skips without a usable CUDA backend): per-layer drift table of
# CUDA fp16 against the fp32 reference on the U-Nets, printed in full, and a
# check that the output itself stays close (cosine >= 0.999).
set -uo pipefail
SEGRT=$1
ROOT=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED=$ROOT/../shared/models
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -c "import numpy" 2>/dev/null || { echo "SKIP: python3 with numpy is needed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

"$PY" -c "import numpy as np; np.save('$T/probe.npy', np.zeros((1,1,64,64), np.float32))"
head=$("$SEGRT" compare "$ROOT/models/membrane_unet.onnx" -i "$T/probe.npy" -b cuda -p fp16 2>&1 | head -n 3)
if ! grep -q " on cuda:fp16 " <<<"$head"; then
  echo "SKIP: no usable CUDA backend here: $(head -n 1 <<<"$head")"; exit 77
fi

# model | input shape (the model's own layout)
MODELS=(
  "$ROOT/models/membrane_unet.onnx|1,1,256,256"
  "$SHARED/GokulnathSA-onnx/unet_model.onnx|1,1,64,64"
  "$SHARED/hershey890-Image_Segmentation_STM32/unet_1.h5|1,64,64,1"
  "$SHARED/MaksymZhytnikov-ShipDetection/models/unet_model.h5|1,64,64,3"
  "$SHARED/hiwony7933-Unet/model/unet.h5|1,28,28,1"
)
fails=0 ran=0
for entry in "${MODELS[@]}"; do
  model=${entry%|*} shape=${entry#*|}
  [ -f "$model" ] || { echo "note: $model absent, skipped"; continue; }
  "$PY" -c "import numpy as np; np.save('$T/x.npy', np.random.RandomState(0).rand($shape).astype(np.float32))"
  if ! "$SEGRT" run "$model" -i "$T/x.npy" -b ref > "$T/err.txt" 2>&1; then
    echo "note: the reference backend cannot run $model yet: $(tail -n 1 "$T/err.txt")"; continue
  fi
  echo "=== $model, input [$shape]"
  "$SEGRT" compare "$model" -i "$T/x.npy" -b cuda -p fp16 --tolerance 1e-2 --all
  "$SEGRT" compare "$model" -i "$T/x.npy" -b cuda -p fp16 --tolerance 1e-2 --json > "$T/r.json"
  if "$PY" - "$T/r.json" <<'PYEOF'; then ran=$((ran+1)); else fails=$((fails+1)); fi
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
last = rows[-1]
print(f"output {last['name']}: cosine {last['cosine']:.6f}, max abs {last['max_abs']:.3g}")
sys.exit(0 if last["cosine"] is not None and last["cosine"] >= 0.999 else f"fp16 output drifted: {last}")
PYEOF
done
[ "$fails" = 0 ] || { echo "$fails model(s) drifted too far"; exit 1; }
[ "$ran" -gt 0 ] || { echo "SKIP: no U-Net could run on the reference backend yet"; exit 77; }
echo "fp16 drift within bounds on $ran U-Net(s)"
