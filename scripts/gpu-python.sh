#!/usr/bin/env bash
# The Python module on a GPU machine, from the bundle (scripts/gpu-bundle.sh puts
# the module, built here against Debian's python3, into .bundle/python/):
#   bash .bundle/gpu-python.sh            # there, from the repository root
# Checks (scripts/gpu_python.py): 4 Python threads vs 1 at 256x256x1 fp16 (>= 2x),
# PyTorch CUDA tensors in and out vs `segrt bench --device-io` at 512x512x16 fp16
# (within 10%). The machine's python3 (the one with PyTorch) runs them: when its
# version differs from the one the module was built for, the module is rebuilt
# there from the bundled sources if a C++ compiler and Python's headers exist;
# otherwise the script says so and exits 77 (skipped). Results also go to $OUT.
set -uo pipefail
B=$(cd "${BUNDLE:-.bundle}" && pwd)
R=${OUT:-/tmp/segrt-gpu}
W=$(mktemp -d)
mkdir -p "$R"
PY=${PYTHON:-python3}
log() { echo "== $*" | tee -a "$R/python.txt"; }
: > "$R/python.txt"
[ -d "$B/python/segrt" ] || { log "SKIP: no $B/python/segrt (the bundle was built without the Python module)"; exit 77; }
have=$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ext=$($PY -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
built=$(ls "$B"/python/segrt/_segrt.*.so | sed 's/.*_segrt//')
log "python3 $($PY -c 'import sys; print(sys.version.split()[0])') ($(command -v $PY)), extension suffix $ext; bundle module built for ${built}"
log "torch $($PY -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)' 2>&1 | tail -1)"
CUDNN_LIB=$($PY -c "import nvidia.cudnn as m; print(list(m.__path__)[0] + '/lib')" 2>/dev/null || true)
export LD_LIBRARY_PATH="$B/lib:${CUDNN_LIB}:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cp -r "$B/python/segrt" "$W/segrt"
if [ "$built" != "$ext" ]; then
  # Another Python ABI: rebuild the extension here from the bundled sources (public headers, pybind11, DLPack).
  inc=$($PY -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
  CXX=${CXX:-$(command -v g++ || command -v c++ || command -v clang++ || true)}
  if [ -z "$CXX" ] || [ ! -f "$inc/Python.h" ]; then
    log "SKIP: the module is built for ${built}, this python3 ($have) needs $ext; no C++ compiler (${CXX:-none}) or no $inc/Python.h to rebuild it here"
    exit 77
  fi
  # PyTorch ships pybind11's headers (for its C++ extensions), newer than Debian's and made for
  # this python: they come first when present.
  torch_inc=$($PY -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "include"))' 2>/dev/null || true)
  pyb_inc=""
  [ -f "$torch_inc/pybind11/pybind11.h" ] && pyb_inc="-I$torch_inc"
  log "rebuilding the module for python $have with $CXX (the bundle's is for ${built}), pybind11 from ${pyb_inc:-the bundle}"
  rm -f "$W"/segrt/_segrt.*.so
  # One C++ runtime per process: a toolchain that links libstdc++ into the module statically
  # (seen on the H200 machine's g++ 13) puts a second copy of it first in libsegrt's symbol
  # scope, and libsegrt then frees a std::locale through the wrong copy (free(): invalid
  # pointer). Link the machine's shared libstdc++ explicitly instead.
  sysstd=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  stdlib=""
  # (Without -nostdlib++, at least keep a static copy's symbols out of the module's exports.)
  stdlib="-Wl,--exclude-libs,ALL"
  [ -n "$sysstd" ] && "$CXX" -nostdlib++ -x c++ -E /dev/null > /dev/null 2>&1 && stdlib="-nostdlib++ $sysstd"
  if ! "$CXX" -O2 -std=c++17 -shared -fPIC -fvisibility=hidden "$B"/python-src/src/*.cpp $pyb_inc \
      -I"$B/python-src/include" -I"$inc" "$B"/lib/libsegrt.so.* $stdlib -o "$W/segrt/_segrt$ext" > "$R/python-build.log" 2>&1; then
    log "FAIL: rebuilding the module failed (python-build.log)"; tail -20 "$R/python-build.log"; exit 1
  fi
  if nm -D --defined-only "$W/segrt/_segrt$ext" 2>/dev/null | grep -q '_ZNSt6locale5_ImplD'; then
    log "FAIL: the rebuilt module exports its own copy of libstdc++ (std::locale); libsegrt would use it"; exit 1
  fi
  log "module linked with: $stdlib"
fi
printf 'CLI = "%s"\nCLI_RELATIVE = False\n' "$B/bin/segrt" > "$W/segrt/_paths.py"
export PYTHONPATH="$W${PYTHONPATH:+:$PYTHONPATH}" SEGRT_CLI="$B/bin/segrt"
if ! $PY -c "import segrt" > "$W/import.log" 2>&1; then
  log "FAIL: import segrt: $(tail -3 "$W/import.log")"; exit 1
fi
$PY "$B/gpu_python.py" --model "${MODEL:-models/membrane_unet.onnx}" 2>&1 | tee -a "$R/python.txt"
rc=${PIPESTATUS[0]}
log "gpu_python.py exit $rc"
rm -rf "$W"
exit "$rc"
