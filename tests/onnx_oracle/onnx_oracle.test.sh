#!/usr/bin/env bash
# ONNX Runtime as an oracle for what Debian's ONNX test data lacks:
# make_cases.py writes small single-op models over each op's attributes at
# every opset where the op changed (fixed seed), ort_run.js runs them on
# onnxruntime-node (the version bench/ uses), and `segrt onnx-test` compares
# segrt's ref and CPU backends with the results: every case must pass within
# 1e-5 relative (plus 1e-6 absolute near zero; 1e-5 for the ops where ONNX
# Runtime itself accumulates in float32); none may be unsupported.
# Usage: onnx_oracle.test.sh path/to/segrt   (exit 77 = skipped, with the reason)
# Env: ORACLE_NODE_DIR (where onnxruntime-node is installed; default: the build
#      folder's onnx_oracle/), ORACLE_BACKENDS (default "ref cpu"), ORACLE_ONLY (substring filter).
set -euo pipefail
SEGRT=${1:?usage: onnx_oracle.test.sh path/to/segrt}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
NODE_DIR=${ORACLE_NODE_DIR:-${SEGRT_BUILD_DIR:-$(dirname "$SEGRT")/../..}/onnx_oracle}
BACKENDS=${ORACLE_BACKENDS:-ref cpu}

"$PY" -c "import onnx, numpy" 2>/dev/null || { echo "SKIP: $PY lacks onnx or numpy (apt-get install python3-onnx)"; exit 77; }
command -v node >/dev/null || { echo "SKIP: node not found (apt-get install nodejs npm)"; exit 77; }
if [ ! -d "$NODE_DIR/node_modules/onnxruntime-node" ]; then
  mkdir -p "$NODE_DIR"
  # The package's install script would fetch GPU binaries from an unreachable host.
  if ! (cd "$NODE_DIR" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save --no-package-lock \
        onnxruntime-node@1.30.0 >npm.log 2>&1); then
    echo "SKIP: cannot install onnxruntime-node@1.30.0 into $NODE_DIR (see $NODE_DIR/npm.log)"
    exit 77
  fi
fi

CASES=$(mktemp -d)
trap 'rm -rf "$CASES"' EXIT
"$PY" "$HERE/make_cases.py" "$CASES" --seed 0 --only "${ORACLE_ONLY:-}"
NODE_PATH="$NODE_DIR/node_modules" node "$HERE/ort_run.js" "$CASES" 2>/dev/null
"$PY" "$HERE/make_cases.py" "$CASES" --collect

status=0
for b in $BACKENDS; do
  for group in "$CASES"/atol*; do  # one folder per absolute tolerance (make_cases.py: LOOSER_ATOL)
    atol=${group##*/atol}
    out=$("$SEGRT" onnx-test -q --backend "$b" --rtol 1e-5 --atol "$atol" "$group" 2>&1 || true)
    if grep -q "is not built into this segrt" <<<"$out"; then
      echo "backend $b: not built into this segrt, skipped"
      continue 2
    fi
    summary=$(tail -n 1 <<<"$out")
    echo "backend $b, rtol 1e-5, atol $atol: $summary"
    if ! grep -Eq '^[0-9]+ passed, 0 failed, 0 unsupported$' <<<"$summary"; then
      grep -E '^(FAIL|UNSUPPORTED) ' <<<"$out" | cut -c1-300
      status=1
    fi
  done
done
exit $status
