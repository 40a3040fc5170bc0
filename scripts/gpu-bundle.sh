#!/usr/bin/env bash
# Builds segrt with CUDA (no GPU needed) and collects what scripts/gpu-test.sh
# needs on a GPU machine into .bundle/ (git-ignored): the binaries, the
# non-system shared libraries they load (not glibc, libstdc++ or CUDA's, which
# the GPU machine has), the test models and the scripts.
#   scripts/gpu-bundle.sh [DEST]       # DEST defaults to ./.bundle
#   CUDA_ARCHS=75-virtual BUILD_DIR=build-ptx75 scripts/gpu-bundle.sh .bundle-ptx75
#                                      # PTX of the oldest architecture only (gpu-test.sh PTX_JIT=1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=${1:-$ROOT/.bundle}
BUILD=${BUILD_DIR:-$ROOT/build-gpu}
# CUDA_ARCHS: the architectures to build (default: the project's full list).
# CONFIGURE=0 takes BUILD_DIR as it is configured (e.g. the test build, CPU backend included).
if [ "${CONFIGURE:-1}" != 0 ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEGRT_CUDA=ON -DSEGRT_CPU=OFF \
    ${CUDA_ARCHS:+-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCHS} > /dev/null
fi
# The Python module too when configured in (python3-dev, pybind11-dev): scripts/gpu-python.sh.
TARGETS="segrt segrt_tests"
ninja -C "$BUILD" -t targets all 2>/dev/null | grep -q '^segrt_python:' && TARGETS="$TARGETS segrt_python"
# The server's load tools too when the server is configured in: bench/serve_load.sh there (issue 14).
ninja -C "$BUILD" -t targets all 2>/dev/null | grep -q '^segrt_grpc_load:' && TARGETS="$TARGETS segrt_grpc_load"
cmake --build "$BUILD" -j "${JOBS:-2}" --target $TARGETS
mkdir -p "$DEST/bin" "$DEST/lib" "$DEST/models" "$DEST/shared" "$DEST/bench"
for b in "$BUILD/tools/segrt/segrt" "$BUILD/tests/segrt_tests"; do
  cp "$b" "$DEST/bin/"
  strip "$DEST/bin/$(basename "$b")"
done
if [ -x "$BUILD/src/server/segrt_grpc_load" ] && command -v wrk > /dev/null; then
  cp "$BUILD/src/server/segrt_grpc_load" "$(command -v wrk)" "$DEST/bin/"
  strip "$DEST/bin/segrt_grpc_load"
  cp "$ROOT/bench/serve_load.sh" "$ROOT/bench/serve_infer.lua" "$DEST/bench/"
fi
for b in "$DEST"/bin/*; do
  ldd "$b" | awk '/=> \//{print $3}' | grep -vE '/(libc|libm|libdl|librt|libpthread|libresolv|libnsl|libutil|libstdc\+\+|libgcc_s)\.so|/usr/local/cuda|libcudnn|libcublas|libcudart' \
    | while read -r lib; do cp -L "$lib" "$DEST/lib/"; done
done
cp "$ROOT/scripts/gpu-test.sh" "$ROOT/scripts/gpu_models.py" "$DEST/"
# The Python package as built (for Debian's python3), and what rebuilding it for
# another python3 there needs: its sources, segrt's public headers, pybind11's and DLPack's.
if [ -d "$BUILD/python/segrt" ]; then
  rm -rf "$DEST/python" "$DEST/python-src"
  mkdir -p "$DEST/python/segrt" "$DEST/python-src/include"
  cp "$BUILD"/python/segrt/*.py "$BUILD"/python/segrt/_segrt.*.so "$DEST/python/segrt/"
  strip "$DEST"/python/segrt/_segrt.*.so
  cp -r "$ROOT/python/src" "$DEST/python-src/"
  cp -r "$ROOT/include/segrt" /usr/include/pybind11 /usr/include/dlpack "$DEST/python-src/include/"
  cp "$BUILD/include/segrt/version.h" "$DEST/python-src/include/segrt/"
  cp "$ROOT/scripts/gpu-python.sh" "$ROOT/scripts/gpu_python.py" "$DEST/"
fi
cp "$ROOT/bench/peer_unet.py" "$ROOT/bench/gpu_summary.py" "$DEST/bench/"
SHARED=$ROOT/../shared
# Third-party models the CUDA tests read (never committed: see ../shared/models/SOURCES.md).
for rel in GokulnathSA-onnx/unet_model.onnx hiwony7933-Unet/model/unet.h5 \
           hershey890-Image_Segmentation_STM32/unet_1.h5 MaksymZhytnikov-ShipDetection/models/unet_model.h5; do
  if [ -f "$SHARED/models/$rel" ]; then mkdir -p "$DEST/shared/$(dirname "$rel")" && cp "$SHARED/models/$rel" "$DEST/shared/$rel"; fi
done
[ -f "$SHARED/peers/torch_unet.py" ] && cp "$SHARED/peers/torch_unet.py" "$DEST/models/"
# PyTorch exports of the peer's U-Net (Debian's torch here), base 16 and base 64
# (31 M parameters), travel as weightless skeletons: the device call carries 64 MiB.
PY=/usr/bin/python3
rm -f "$DEST/models/unet16.onnx"
for m in "unet16 16" "unet64 64"; do
  read -r name base <<<"$m"
  if [ ! -f "$DEST/models/$name.skel.onnx" ]; then
    (cd "$DEST/models" && $PY torch_unet.py --export $name.full.onnx --base $base &&
     $PY "$ROOT/scripts/gpu_models.py" strip $name.full.onnx $name.skel.onnx && rm $name.full.onnx)
  fi
done
du -sh "$DEST"; du -sh "$DEST"/* | sort -h | tail -5
