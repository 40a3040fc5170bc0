#!/usr/bin/env bash
# segrt export round trips (tests/export/export_check.py): the bundled model
# and the Keras files of ../shared/models exported at several opsets and
# layouts; each file checked by onnx.checker, run by ONNX Runtime
# (onnxruntime-node, installed into the build folder on first use) and loaded
# back into segrt, against `segrt run` of the original. Parts whose tools are
# missing skip visibly (the summary lists them).
#   tests/export/export_roundtrip.test.sh path/to/segrt
set -euo pipefail
SEGRT=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${SEGRT_BUILD_DIR:-$(dirname "$(dirname "$(dirname "$SEGRT")")")}
WORK=$(mktemp -d /tmp/segrt_export_XXXXXX)
trap 'rm -rf "$WORK"' EXIT

ORT_DIR=""
NODE_HOME="$BUILD/export_ort"
if command -v node >/dev/null && command -v npm >/dev/null; then
  if [ ! -d "$NODE_HOME/node_modules/onnxruntime-node" ]; then
    mkdir -p "$NODE_HOME"
    # The package's install script would fetch GPU binaries from an unreachable host.
    (cd "$NODE_HOME" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save --no-package-lock --silent \
      onnxruntime-node@1.30.0 >/dev/null 2>&1) || echo "SKIP: npm could not install onnxruntime-node@1.30.0"
  fi
  [ -d "$NODE_HOME/node_modules/onnxruntime-node" ] && ORT_DIR="$NODE_HOME/node_modules"
else
  echo "SKIP: node/npm absent: ONNX Runtime runs skipped"
fi
exec /usr/bin/python3 "$HERE/export_check.py" "$SEGRT" "$WORK" "$ORT_DIR"
