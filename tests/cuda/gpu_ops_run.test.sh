#!/usr/bin/env bash
# GPU run only (skips without a usable CUDA backend): `segrt run --backend
# cuda --verbose` on the two models of tests/cuda/data, which use every op
# that once ran through the host fallback, must report "0 host nodes" and
# name no node that "runs on the host"; its outputs must match the reference
# backend's (float outputs within 1e-4, integer outputs exactly).
#   gpu_ops_run.test.sh path/to/segrt
set -uo pipefail
SEGRT=${1:?usage: gpu_ops_run.test.sh path/to/segrt}
ROOT=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=$ROOT/tests/cuda/data
PY=/usr/bin/python3; [ -x "$PY" ] && "$PY" -c "import numpy" 2>/dev/null || PY=python3
"$PY" -c "import numpy" 2>/dev/null || { echo "SKIP: python3 with numpy is needed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

fails=0
for entry in "gpu_ops_opset11.onnx|1,4,8,8|3" "gpu_ops_opset18.onnx|1,3,5,6|1"; do
  IFS='|' read -r model shape nout <<<"$entry"
  "$PY" -c "import numpy as np; np.save('$T/x.npy', np.random.RandomState(0).rand($shape).astype(np.float32))"
  refo=() cudao=()
  for k in $(seq 1 "$nout"); do refo+=(-o "$T/ref$k.npy"); cudao+=(-o "$T/cuda$k.npy"); done
  "$SEGRT" run "$DATA/$model" -i "$T/x.npy" --backend ref "${refo[@]}" > /dev/null || { echo "FAIL: ref run of $model"; fails=$((fails+1)); continue; }
  "$SEGRT" run "$DATA/$model" -i "$T/x.npy" --backend cuda --verbose "${cudao[@]}" > "$T/log.txt" 2>&1
  rc=$?
  if grep -qiE "CUDA unavailable|is unavailable|no usable GPU|not built into" "$T/log.txt"; then
    echo "SKIP: no usable CUDA backend here: $(grep -m1 -iE 'unavailable|no usable|not built' "$T/log.txt")"; exit 77
  fi
  echo "=== $model"; grep -E "segrt: cuda: " "$T/log.txt"
  if [ $rc -ne 0 ]; then echo "FAIL: $model exited $rc"; cat "$T/log.txt"; fails=$((fails+1)); continue; fi
  if grep -q "runs on the host" "$T/log.txt" || ! grep -q " 0 host nodes" "$T/log.txt"; then
    echo "FAIL: $model has nodes on the host"; fails=$((fails+1)); continue
  fi
  "$PY" - "$T" "$nout" <<'PYEOF' || fails=$((fails+1))
import sys
import numpy as np
d, n = sys.argv[1], int(sys.argv[2])
for k in range(1, n + 1):
    a, b = np.load(f"{d}/cuda{k}.npy"), np.load(f"{d}/ref{k}.npy")
    assert a.shape == b.shape, (k, a.shape, b.shape)
    if np.issubdtype(b.dtype, np.integer):
        assert np.array_equal(a, b), f"output {k}: integer results differ"
    else:
        err = float(np.max(np.abs(a.astype(np.float64) - b)))
        assert err <= 1e-4, f"output {k}: max abs error {err}"
    print(f"output {k}: {b.dtype} {list(b.shape)} matches the reference")
PYEOF
done
[ $fails -eq 0 ] && echo "2 passed, 0 failed" || { echo "$fails failed"; exit 1; }
