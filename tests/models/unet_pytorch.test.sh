#!/usr/bin/env bash
# PyTorch U-Nets (nearest, bilinear with and without align_corners,
# ConvTranspose2d, a dynamic batch/spatial export) exported to ONNX at opsets
# 11 and 13 and run by `segrt run --backend ref` and `--backend cpu` (when
# built; every node native): the output must match PyTorch's within a max
# relative error of 1e-4. See unet_pytorch.py.
set -uo pipefail
SEGRT=$1
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -c "import torch, onnx, numpy" 2>/dev/null || { echo "SKIP: python3-torch, python3-onnx and python3-numpy are needed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$PY" "$(dirname "$0")/unet_pytorch.py" "$SEGRT" "$T"
