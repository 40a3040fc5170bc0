#!/usr/bin/env bash
# torchvision's FCN-ResNet50, DeepLabV3 (ResNet50, MobileNetV3), LRASPP and a
# SegFormer-like block, exported at test time with random weights, run on the
# ref and CPU backends at two input sizes, compared with PyTorch (float64):
# max relative error <= 1e-4. See torchvision_models.py. On a GPU machine:
# TORCHVISION_BACKENDS="ref cpu cuda" adds the CUDA backend.
set -uo pipefail
SEGRT=$1
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -c "import torch, torchvision, onnx, numpy" 2>/dev/null ||
  { echo "SKIP: python3-torch, python3-torchvision, python3-onnx and python3-numpy are needed (scripts/setup.sh)"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$PY" "$(dirname "$0")/torchvision_models.py" "$SEGRT" "$T" "${TORCHVISION_ONLY:-}"
