#!/usr/bin/env python3
"""The Python module's GPU checks (run by scripts/gpu-python.sh on a GPU machine).

1. Threads: 4 Python threads on one engine at 256x256 batch 1 fp16 against 1 thread
   (images/s; the issue asks >= 2x): the GIL is released and each run has its own context.
2. Device I/O: PyTorch CUDA tensors in, caller-provided CUDA tensors out, at 512x512
   batch 16 fp16, median wall per run against `segrt bench --device-io` (within 10%),
   plus the results checked against the NumPy path and DLPack / __cuda_array_interface__
   exports of segrt-allocated outputs.
Prints one line per check starting with PASS / FAIL / INFO; exit 1 when a check fails.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import numpy as np


def timed_runs(engine, x, seconds, outputs=None):
    """Runs until `seconds` have passed; returns the per-run wall times (s)."""
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        engine.run([x], outputs=outputs)
        times.append(time.perf_counter() - t)
    return times


def thread_scaling(segrt, model, seconds, threads):
    engine = segrt.Engine(model, backend="cuda", precision="fp16")
    x = np.random.RandomState(0).rand(1, 1, 256, 256).astype(np.float32)
    engine.run([x])  # compiles for the shape
    # Warm one context per thread (each thread creates one the first time it runs concurrently).
    warm = [threading.Thread(target=timed_runs, args=(engine, x, 1.0)) for _ in range(threads)]
    [t.start() for t in warm]
    [t.join() for t in warm]
    one = len(timed_runs(engine, x, seconds)) / seconds
    counts = [0] * threads

    def work(k):
        counts[k] = len(timed_runs(engine, x, seconds))
    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    [t.start() for t in ts]
    [t.join() for t in ts]
    many = sum(counts) / (time.perf_counter() - t0)
    ratio = many / one
    verdict = "PASS" if ratio >= 2 else "FAIL"
    print(f"{verdict} threads: 256x256x1 fp16, 1 thread {one:.1f} images/s, {threads} threads {many:.1f} images/s "
          f"({ratio:.2f}x, need >= 2x; per thread {counts})")
    return ratio >= 2


def device_io(segrt, torch, model, cli, iterations, cache_dir):
    # One tuning cache for both sides: the bench reuses the algorithms this engine chose.
    engine = segrt.Engine(model, backend="cuda", precision="fp16", cache_dir=cache_dir)
    shape = (16, 1, 512, 512)
    host = np.random.RandomState(1).rand(*shape).astype(np.float32)
    x = torch.from_numpy(host).cuda()
    (ref,) = engine.run([host])  # NumPy path: host copies inside the engine
    out_info = engine.outputs[0]
    y = torch.empty(ref.shape, dtype=torch.float32, device="cuda")
    ok = True
    # Results: the CUDA path writes into y; segrt-allocated outputs come back as DeviceArray.
    (got,) = engine.run([x], outputs=[y])
    diff = float(np.abs(y.cpu().numpy() - ref).max())
    (dev,) = engine.run([x])
    via_dlpack = torch.from_dlpack(dev)
    via_cai = torch.as_tensor(dev, device="cuda")
    same = (got is y and via_dlpack.data_ptr() == dev.data_ptr == via_cai.data_ptr()
            and torch.equal(via_dlpack, y))
    # Without PyTorch: device memory from the engine, filled from the host.
    dx, dy = engine.device_array(shape), engine.device_array(ref.shape)
    dx.copy_from(host)
    engine.run([dx], outputs=[dy])
    own = np.array_equal(dy.to_numpy(), ref)
    print(f"{'PASS' if own else 'FAIL'} Engine.device_array in and out equals the NumPy path")
    ok &= own and same and diff == 0.0
    print(f"{'PASS' if same and diff == 0.0 else 'FAIL'} device I/O results: torch in/out equals the NumPy path "
          f"(max |diff| {diff}); DeviceArray {dev} seen by torch.from_dlpack and torch.as_tensor without a copy: {same}")
    # Timing: the caller's tensors bound in place, run() waits for the result (as the bench's wait()).
    for _ in range(10):
        engine.run([x], outputs=[y])
    times = []
    for _ in range(iterations):
        t = time.perf_counter()
        engine.run([x], outputs=[y])
        times.append(time.perf_counter() - t)
    py_ms = statistics.median(times) * 1e3
    alloc = []
    for _ in range(max(10, iterations // 5)):
        t = time.perf_counter()
        engine.run([x])
        alloc.append(time.perf_counter() - t)
    p = subprocess.run([cli, "bench", model, "-b", "cuda", "-p", "fp16", "--batch", "16", "--shape", "512x512",
                        "--device-io", "--iterations", str(iterations), "--json", "--cache-dir", cache_dir], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"FAIL segrt bench --device-io: exit {p.returncode}: {p.stderr.strip()[-500:]}")
        return False
    bench = json.loads(p.stdout.strip().splitlines()[-1])
    ratio = py_ms / bench["median_ms"]
    within = ratio <= 1.10
    ok &= within
    print(f"{'PASS' if within else 'FAIL'} device I/O timing: 512x512x16 fp16, Python torch in/out median "
          f"{py_ms:.3f} ms vs segrt bench --device-io median {bench['median_ms']:.3f} ms ({ratio:.3f}x, need <= 1.10)")
    print(f"INFO without outputs= (segrt allocates each output, cudaMalloc/cudaFree per run): median "
          f"{statistics.median(alloc) * 1e3:.3f} ms; output {out_info.name} {tuple(ref.shape)}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/membrane_unet.onnx")
    ap.add_argument("--cli", default=os.environ.get("SEGRT_CLI", "segrt"))
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=100)
    a = ap.parse_args()
    import torch  # first: the machine's CUDA libraries as PyTorch loads them
    import segrt
    if not torch.cuda.is_available():
        print(f"SKIP: torch {torch.__version__} sees no CUDA device")
        return 77
    print(f"INFO python {sys.version.split()[0]}, torch {torch.__version__}, segrt {segrt.__version__} "
          f"({segrt.build_parts}), {torch.cuda.get_device_name(0)}")
    ok = thread_scaling(segrt, a.model, a.seconds, a.threads)
    import tempfile
    with tempfile.TemporaryDirectory(prefix="segrt-py-cache-") as cache_dir:
        ok &= device_io(segrt, torch, a.model, a.cli, a.iterations, cache_dir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
