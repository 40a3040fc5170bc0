#!/usr/bin/env bash
# segrt compare on the bundled membrane U-Net: one weight of a mid-network
# convolution is perturbed (python3-onnx), and compare must name exactly that
# layer's output as the first divergence, whether the reference is the
# unmodified model run alongside or a --dump-activations file. With a fast
# backend (Conv+Relu fused), the divergence is reported at the fused tensor and
# the row names the conv output it covers.
set -uo pipefail
SEGRT=$1
ROOT=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MODEL=$ROOT/models/membrane_unet.onnx
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -c "import onnx, numpy" 2>/dev/null || { echo "SKIP: python3 with onnx and numpy is needed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
LAYER=/enc2/enc2.3/Conv
TENSOR=${LAYER}_output_0

"$PY" - "$MODEL" "$T" "$LAYER" <<'PYEOF' || { echo "FAIL: could not prepare the perturbed model"; exit 1; }
import sys, numpy as np, onnx
from onnx import numpy_helper
model, t, layer = sys.argv[1:]
m = onnx.load(model)
node = next(n for n in m.graph.node if n.name == layer)
init = next(i for i in m.graph.initializer if i.name == node.input[1])
w = numpy_helper.to_array(init).copy()
w[3, 5, 1, 1] += 0.5  # one weight of output channel 3
init.CopyFrom(numpy_helper.from_array(w, init.name))
onnx.save(m, f"{t}/perturbed.onnx")
np.save(f"{t}/x.npy", np.random.RandomState(7).rand(1, 1, 64, 64).astype(np.float32))
PYEOF

if ! out=$("$SEGRT" run "$MODEL" -i "$T/x.npy" --backend ref --dump-activations "$T/ref.npz" 2>&1); then
  echo "SKIP: the reference backend cannot run the U-Net yet: $out"; exit 77
fi

fails=0
# check_json NAME JSON_FILE EXPECTED_FIRST [fused]: first divergence (or the
# tensor covering it when "fused"), and every earlier row exactly equal.
check_json() {
  if "$PY" - "$2" "$3" "${4:-}" <<'PYEOF'; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails+1)); fi
import json, sys
path, want, fused = sys.argv[1], sys.argv[2], sys.argv[3] == "fused"
r = json.load(open(path))
fd = r["first_divergence"]
rows = r["rows"]
i = next((k for k, row in enumerate(rows) if row["name"] == fd), None)
if i is None: sys.exit(f"no divergence found: {fd}")
hit = rows[i]["name"] == want or (fused and want in rows[i]["fused_away"])
if not hit: sys.exit(f"first divergence {fd} (covers {rows[i]['fused_away']}), expected {want}")
if not fused and any(row["max_abs"] != 0 for row in rows[:i]): sys.exit("rows before the divergence differ")
print(f"  first divergence {fd}: max abs {rows[i]['max_abs']:.3g}, {100*rows[i]['beyond']:.2f}% beyond, row {i+1} of {len(rows)}")
PYEOF
}

"$SEGRT" compare "$T/perturbed.onnx" --reference-model "$MODEL" -i "$T/x.npy" --backend ref --json > "$T/a.json"
rc=$?; [ $rc = 1 ] || { echo "FAIL: compare exited $rc, expected 1"; fails=$((fails+1)); }
check_json reference-model "$T/a.json" "$TENSOR"

"$SEGRT" compare "$T/perturbed.onnx" --reference "$T/ref.npz" --backend ref --json > "$T/b.json"
check_json dump "$T/b.json" "$TENSOR"

# The human-readable table marks the row and names it at the end.
"$SEGRT" compare "$T/perturbed.onnx" --reference "$T/ref.npz" --backend ref > "$T/table.txt"
if grep -q ">>> .*$TENSOR" "$T/table.txt" && grep -q "first divergence: $TENSOR (Conv, node $LAYER)" "$T/table.txt"; then
  echo "ok   table"
else
  echo "FAIL table"; cat "$T/table.txt"; fails=$((fails+1))
fi

# The unmodified model agrees with itself.
"$SEGRT" compare "$MODEL" --reference "$T/ref.npz" --backend ref > "$T/same.txt" \
  && echo "ok   unmodified" || { echo "FAIL unmodified"; cat "$T/same.txt"; fails=$((fails+1)); }

# A fast backend fuses Conv+Relu: the divergence shows at the Relu output, which covers the conv.
if "$SEGRT" run "$MODEL" -i "$T/x.npy" --backend cpu >/dev/null 2>&1; then
  "$SEGRT" compare "$T/perturbed.onnx" --reference-model "$MODEL" -i "$T/x.npy" --backend cpu --tolerance 1e-3 --json > "$T/c.json"
  check_json cpu-fused "$T/c.json" "$TENSOR" fused
  "$SEGRT" compare "$MODEL" -i "$T/x.npy" --backend cpu --tolerance 1e-3 --all | tail -n 4
else
  echo "note: no CPU backend in this build; fused case not exercised"
fi

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all U-Net compare checks passed"
