#!/usr/bin/env bash
# scripts/check_deps.py catches a package missing from setup.sh: with
# ocl-icd-opencl-dev (the one a fresh machine lacked: Debian's dnnl-config.cmake
# requires OpenCL) taken off the list, the check must fail and name it; with
# the list as committed it must pass.
set -uo pipefail
SRC=${SEGRT_SOURCE_DIR:?}
BUILD=${SEGRT_BUILD_DIR:?}
command -v dpkg > /dev/null || { echo "SKIP: not a Debian system (no dpkg)"; exit 77; }
out=$(python3 "$SRC/scripts/check_deps.py" "$BUILD" 2>&1); rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL: the committed setup.sh list does not pass"; exit 1; }
if ! grep -q "libdnnl-dev" "$SRC/scripts/setup.sh" || ! grep -q "dnnl" "$BUILD/build.ninja"; then
  echo "SKIP: this build does not use oneDNN, so ocl-icd-opencl-dev is not needed"; exit 77
fi
out=$(python3 "$SRC/scripts/check_deps.py" "$BUILD" --without ocl-icd-opencl-dev 2>&1); rc=$?
echo "$out"
[ $rc -ne 0 ] || { echo "FAIL: the check passed without ocl-icd-opencl-dev"; exit 1; }
echo "$out" | grep -q "^  ocl-icd-opencl-dev: " || { echo "FAIL: the message does not name ocl-icd-opencl-dev"; exit 1; }
echo "PASS: the check fails and names ocl-icd-opencl-dev when setup.sh lacks it"
