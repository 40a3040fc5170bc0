#!/usr/bin/env bash
# segrt inspect / run on real Keras files from ../shared/models: inspect shows
# Keras layer names and classes, run takes NHWC .npy (float64 too) and matches
# real Keras predictions, JSON + --weights works, a QKeras model is refused
# naming its class. Skips (77) without ../shared/models or python3-numpy.
set -uo pipefail
SEGRT=$1
M="${SEGRT_SOURCE_DIR:-.}/../shared/models"
D="$M/KonduitAI-dl4j-test-resources/src/main/resources/modelimport/keras"
[ -f "$M/hershey890-Image_Segmentation_STM32/unet_1.h5" ] || { echo "SKIP: ../shared/models not present"; exit 77; }
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -c "import numpy, h5py" 2>/dev/null || { echo "SKIP: python3 with numpy and h5py is needed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fails=0
check() {  # check NAME EXPECTED_RC PATTERN -- command...
  local name=$1 want=$2 pattern=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ] || ! grep -qF -- "$pattern" <<<"$out"; then
    echo "FAIL $name: rc=$rc (want $want), looking for: $pattern"; echo "$out" | sed 's/^/    /'; fails=$((fails+1))
  else
    echo "ok   $name"
  fi
}
check_py() {  # check_py NAME PYTHON_CODE (exit 0 = pass)
  if "$PY" -c "$2"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails+1)); fi
}

UNET="$M/hershey890-Image_Segmentation_STM32/unet_1.h5"
check inspect-names 0 "Conv2D>Conv" -- "$SEGRT" inspect "$UNET"
check inspect-producer 0 "keras 2.4.0" -- "$SEGRT" inspect "$UNET"
check inspect-nhwc 0 "NHWC" -- "$SEGRT" inspect "$UNET"
check inspect-bn 0 "batch_normalization_9/batchnorm" -- "$SEGRT" inspect "$UNET"

"$PY" -c "import numpy as np; np.save('$T/x.npy', np.random.RandomState(0).rand(3,64,64,1).astype(np.float32))"
check run-unet 0 "" -- "$SEGRT" run "$UNET" -i "$T/x.npy" -o "$T/y.npy" --backend ref
check_py unet-softmax "import numpy as np; y=np.load('$T/y.npy'); assert y.shape==(3,64,64,2), y.shape; assert abs(y.sum(-1)-1).max()<1e-5"

# float64 input as the authors saved it; real Keras predictions
check run-cnn-bn 0 "" -- "$SEGRT" run "$D/fullconfigs/cnn/cnn_batch_norm.h5" -i "$D/fullconfigs/cnn/input.npy" -o "$T/p.npy" --backend ref
check_py cnn-bn-matches "import numpy as np; a=np.load('$T/p.npy'); b=np.load('$D/fullconfigs/cnn/predictions.npy'); assert abs(a-b).max()<=1e-5, abs(a-b).max()"

A="$D/examples/activations/ReLU_2"
"$PY" -c "import h5py, numpy as np; f=h5py.File('${A}_inputs_and_outputs.h5','r'); np.save('$T/a.npy', f['inputs/dense_input'][()]); np.save('$T/a_ref.npy', list(f['outputs'].values())[0][()])"
check run-json-weights 0 "" -- "$SEGRT" run "${A}_config.json" --weights "${A}_weights.h5" -i "$T/a.npy" -o "$T/a_out.npy" --backend ref
check_py json-weights-matches "import numpy as np; a=np.load('$T/a_out.npy'); b=np.load('$T/a_ref.npy'); assert abs(a-b).max()<=1e-5, abs(a-b).max()"
check json-needs-weights 4 "--weights" -- "$SEGRT" run "${A}_config.json" -i "$T/a.npy" -o "$T/z.npy"

check qkeras-refused 3 "QDense" -- "$SEGRT" inspect "$M/fastmachinelearning-example-models/keras/qkeras-v3_3layer.keras"

[ $fails -eq 0 ] && echo "keras CLI: all passed" || echo "keras CLI: $fails failed"
exit $((fails > 0))
