#!/usr/bin/env bash
# ONNX opset spellings of Upsample, Resize, Pad and BatchNormalization through
# the importer's translators, checked against numpy (see spatial_opsets.py).
set -uo pipefail
SEGRT=$1
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -c "import onnx, numpy" 2>/dev/null || { echo "SKIP: python3-onnx and python3-numpy are needed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$PY" "$(dirname "$0")/spatial_opsets.py" "$SEGRT" "$T"
