#!/usr/bin/env bash
# `segrt inspect` on a third-party U-Net (../shared/models/GokulnathSA-onnx,
# PyTorch 2.0.1, opset 10): every layer's output shape must equal ONNX's own
# shape inference at batch 1, every layer's parameter count the size of its
# float initializers, and the total the size of all float initializers.
set -uo pipefail
SEGRT=$1
ROOT=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MODEL=$ROOT/../shared/models/GokulnathSA-onnx/unet_model.onnx
[ -f "$MODEL" ] || { echo "SKIP: $MODEL not present (../shared is absent)"; exit 77; }
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -c "import onnx, numpy" 2>/dev/null || { echo "SKIP: python3-onnx and python3-numpy are needed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$SEGRT" inspect "$MODEL" > "$T/inspect.txt" || { echo "FAIL: segrt inspect exited $?"; cat "$T/inspect.txt"; exit 1; }
cat "$T/inspect.txt"
"$PY" - "$MODEL" "$T/inspect.txt" <<'PYEOF'
import re, sys
import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

model_path, table_path = sys.argv[1:]
m = onnx.load(model_path)
for d in m.graph.input[0].type.tensor_type.shape.dim[:1]:  # batch 1, as inspect does
    d.ClearField("dim_param")
    d.dim_value = 1
inferred = shape_inference.infer_shapes(m, strict_mode=True)
shapes = {}
for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
    shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
floats = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
floats = {k: v for k, v in floats.items() if v.dtype.kind == "f"}

rows, total = {}, None
for line in open(table_path):
    parts = line.split()
    if len(parts) == 5 and parts[2].startswith("["):
        rows[parts[0]] = (parts[2], int(parts[3]))
    t = re.search(r"total: \d+ layers, (\d+) parameters", line)
    if t:
        total = int(t.group(1))

fails = 0
for node in m.graph.node:
    want_shape = "[" + ",".join(str(d) for d in shapes[node.output[0]]) + "]"
    want_params = sum(floats[i].size for i in node.input if i in floats)
    got = rows.get(node.name)
    if got != (want_shape, want_params):
        print(f"FAIL {node.name} ({node.op_type}): segrt {got}, expected {(want_shape, want_params)}")
        fails += 1
want_total = sum(v.size for v in floats.values())
if total != want_total:
    print(f"FAIL total parameters: segrt {total}, expected {want_total}")
    fails += 1
print(f"{len(m.graph.node)} layers checked, {want_total} parameters expected, {fails} mismatches")
sys.exit(1 if fails else 0)
PYEOF
