"""Randomly corrupted ONNX models through `segrt run`: every run must end with
success or a documented error exit code (README: 1, 3, 4, 5, 7), never a
crash (signal) or an internal error (70). Deterministic (fixed seed).
Usage: corrupt_models.py SEGRT DIR   (DIR as written by make_bad_models.py)"""
import os
import random
import subprocess
import sys
import tempfile

segrt, d = sys.argv[1], sys.argv[2]
rng = random.Random(2026)
allowed = {0, 1, 3, 4, 5, 7}
bad = []
runs = 0
for model, n in (("good", 60), ("chain", 140)):
    data = open(f"{d}/{model}.onnx", "rb").read()
    for it in range(n):
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        path = f"{d}/corrupt.onnx"
        open(path, "wb").write(b)
        r = subprocess.run([segrt, "run", path, "-i", f"{d}/x.npy"], capture_output=True, timeout=60)
        runs += 1
        if r.returncode not in allowed:
            keep = os.path.join(os.environ.get("SEGRT_BUILD_DIR", tempfile.gettempdir()), f"corrupt_{model}_{it}.onnx")
            open(keep, "wb").write(b)
            bad.append(f"{model} #{it}: exit {r.returncode}: {r.stderr.decode('utf-8', 'replace').strip()[:300]} "
                       f"(kept as {keep})")
if bad:
    print("FAILED:\n  " + "\n  ".join(bad))
    sys.exit(1)
print(f"{runs} corrupted models: every run ended with success or a documented error")
