"""ONNX Runtime side of a CPU comparison where Node.js is absent (the GPU
machine's host has ORT as a Python package): the same arguments and the same
one-line JSON as bench/ort_bench.js. CPU execution provider, all graph
optimizations, fixed intra-op threads, sequential.
  python3 ort_bench.py MODEL INPUT.bin N,C,H,W THREADS ITERS WARMUP OUT.bin"""
import json
import resource
import sys
import time

import numpy as np
import onnxruntime as ort

model, inp, dims, threads, iters, warmup, out_path = sys.argv[1:8]
x = np.fromfile(inp, dtype=np.float32).reshape([int(d) for d in dims.split(",")])
so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
so.intra_op_num_threads = int(threads)
so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
feeds = {sess.get_inputs()[0].name: x}
for _ in range(int(warmup) + 1):
    y = sess.run(None, feeds)[0]
ms = []
for _ in range(int(iters)):
    t0 = time.perf_counter()
    y = sess.run(None, feeds)[0]
    ms.append((time.perf_counter() - t0) * 1e3)
ms.sort()
np.ascontiguousarray(y, dtype=np.float32).tofile(out_path)
q = lambda p: ms[min(len(ms) - 1, round(p * (len(ms) - 1)))]
print(json.dumps({"backend": "onnxruntime " + ort.__version__, "median_ms": q(0.5), "p90_ms": q(0.9),
                  "min_ms": ms[0], "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
