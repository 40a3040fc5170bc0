#!/usr/bin/env bash
# segrt compare / run --dump-activations end to end on a tiny ONNX model made
# here with python3-onnx: dumps, engine-vs-engine, --reference-model with one
# perturbed constant, .npz written by numpy, JSON, and bad reference files
# (unknown names, wrong shapes, missing groups) whose messages must name them.
set -uo pipefail
SEGRT=$1
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
if ! "$PY" -c "import onnx, numpy, h5py" 2>/dev/null; then
  echo "SKIP: python3 with onnx, numpy and h5py is needed"; exit 77
fi
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

"$PY" - "$T" <<'PYEOF' || { echo "FAIL: could not build the test models"; exit 1; }
import sys, numpy as np, onnx, h5py
from onnx import helper, TensorProto, numpy_helper
t = sys.argv[1]
def model(scale, path):
    nodes = [helper.make_node("Relu", ["x"], ["r1"], name="relu1"),
             helper.make_node("Mul", ["r1", "scale"], ["m1"], name="mul1"),
             helper.make_node("Add", ["m1", "shift"], ["a1"], name="add1"),
             helper.make_node("Tanh", ["a1"], ["t1"], name="tanh1"),
             helper.make_node("Sigmoid", ["t1"], ["y"], name="sigmoid1")]
    inits = [numpy_helper.from_array(np.array(scale, np.float32).reshape(1, 3, 1, 1), "scale"),
             numpy_helper.from_array(np.array([0.1, -0.2, 0.3], np.float32).reshape(1, 3, 1, 1), "shift")]
    g = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 5])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)
model([1.0, 2.0, 3.0], f"{t}/tiny.onnx")
model([1.0, 2.5, 3.0], f"{t}/perturbed.onnx")   # one weight of the mid layer mul1
x = np.random.RandomState(0).randn(1, 3, 4, 5).astype(np.float32)
np.save(f"{t}/x.npy", x)
r1 = np.maximum(x, 0); m1 = r1 * np.array([1, 2, 3], np.float32).reshape(1, 3, 1, 1)
a1 = m1 + np.array([0.1, -0.2, 0.3], np.float32).reshape(1, 3, 1, 1); t1 = np.tanh(a1); y = 1 / (1 + np.exp(-t1))
acts = dict(r1=r1, m1=m1, a1=a1, t1=t1, y=y)
np.savez_compressed(f"{t}/numpy_ref.npz", **{"inputs/x": x}, **{f"activations/{k}": v for k, v in acts.items()})
np.save(f"{t}/expected_m1.npy", m1)
def h5(path, groups):
    with h5py.File(path, "w") as f:
        for g, d in groups.items():
            grp = f.create_group(g)
            for k, v in d.items(): grp[k] = v
h5(f"{t}/good.h5", {"inputs": {"x": x}, "activations": acts})
# Keras-style: channels-last activations of the same tensors.
h5(f"{t}/nhwc.h5", {"inputs": {"x": x}, "activations": {k: v.transpose(0, 2, 3, 1) for k, v in acts.items()}})
h5(f"{t}/unknown.h5", {"inputs": {"x": x}, "activations": dict(acts, conv_bogus=y, pool_bogus=y)})
h5(f"{t}/shape.h5", {"inputs": {"x": x}, "activations": dict(acts, m1=m1[:, :2])})
h5(f"{t}/nogroup.h5", {"inputs": {"x": x}, "outputs": {"y": y}})
h5(f"{t}/noinputs.h5", {"activations": acts})
PYEOF

# run --dump-activations writes every tensor, and numpy can read it.
check dump 0 "y:" -- "$SEGRT" run "$T/tiny.onnx" -i "$T/x.npy" --backend ref --dump-activations "$T/dump.npz"
check dump-content 0 "dump ok" -- "$PY" -c "
import numpy as np, sys
d = np.load('$T/dump.npz')
keys = list(d.keys())
assert keys[0] == 'inputs/x' and [k for k in keys if k.startswith('activations/')] == ['activations/' + n for n in ['r1','m1','a1','t1','y']], keys
assert np.allclose(d['activations/m1'], np.load('$T/expected_m1.npy'), atol=1e-6)
print('dump ok')"

check same-backend 0 "all 5 compared tensors within tolerance" -- "$SEGRT" compare "$T/tiny.onnx" -i "$T/x.npy" --backend ref
check against-dump 0 "all 5 compared tensors within tolerance" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/dump.npz" --backend ref
check numpy-npz 0 "all 5 compared tensors within tolerance" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/numpy_ref.npz" --backend ref --tolerance 1e-5
check hdf5 0 "all 5 compared tensors within tolerance" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/good.h5" --backend ref --tolerance 1e-5
check hdf5-nhwc 0 "channels-last -> channels-first" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/nhwc.h5" --backend ref

# The perturbed weight of mul1: the first divergence is exactly its output.
check perturbed 1 "first divergence: m1 (Mul, node mul1)" -- "$SEGRT" compare "$T/perturbed.onnx" --reference-model "$T/tiny.onnx" -i "$T/x.npy" --backend ref
check perturbed-marked 1 ">>>    2  m1" -- "$SEGRT" compare "$T/perturbed.onnx" --reference-model "$T/tiny.onnx" -i "$T/x.npy" --backend ref
"$SEGRT" run "$T/perturbed.onnx" -i "$T/x.npy" --backend ref --dump-activations "$T/dump2.npz" >/dev/null
check two-dumps 1 "first divergence: m1" -- "$SEGRT" compare "$T/dump2.npz" --reference "$T/dump.npz"
check json 1 "json ok" -- bash -c "'$SEGRT' compare '$T/perturbed.onnx' --reference '$T/dump.npz' --backend ref --json > '$T/r.json'; rc=\$?; '$PY' -c \"
import json; r = json.load(open('$T/r.json'))
assert r['first_divergence'] == 'm1' and not r['ok'] and [x['name'] for x in r['rows']] == ['r1','m1','a1','t1','y'], r
assert r['rows'][0]['max_abs'] == 0 and r['rows'][1]['beyond'] > 0
print('json ok')\"; exit \$rc"
check loose-tolerance 0 "within tolerance 10" -- "$SEGRT" compare "$T/perturbed.onnx" --reference "$T/dump.npz" --backend ref --tolerance 10

# Bad reference files: clear messages that name the problem, exit code 4 (invalid input).
check unknown-names 4 "2 tensor name(s) not in the model: conv_bogus, pool_bogus" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/unknown.h5" --backend ref
check wrong-shape 4 "'m1' is [1,2,4,5] in the reference, [1,3,4,5] in the run under test" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/shape.h5" --backend ref
check missing-group 4 "has no 'activations' group (its groups: 'inputs', 'outputs')" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/nogroup.h5" --backend ref
check missing-inputs 4 "has no 'inputs' group" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/noinputs.h5" --backend ref
check inputs-by-flag 0 "all 5 compared" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/noinputs.h5" -i "$T/x.npy" --backend ref
check no-file 5 "no such file" -- "$SEGRT" compare "$T/tiny.onnx" --reference "$T/absent.h5" --backend ref
check no-inputs 4 "give the model's input(s) with -i" -- "$SEGRT" compare "$T/tiny.onnx" --backend ref

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all compare CLI checks passed"
