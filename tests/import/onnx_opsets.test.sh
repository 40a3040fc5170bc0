#!/usr/bin/env bash
# ONNX opset translations (old and new op forms) end to end through the CLI;
# the cases live in onnx_opsets.py. Usage: onnx_opsets.test.sh path/to/segrt
set -euo pipefail
if ! /usr/bin/python3 -c "import onnx, numpy" 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 lacks onnx or numpy (apt-get install python3-onnx)"
  exit 77
fi
exec /usr/bin/python3 "$(dirname "$0")/onnx_opsets.py" "$1"
