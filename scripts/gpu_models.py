"""GPU test models that are too large to carry: strip the float weights of an
exported ONNX model here (keeping the graph PyTorch produced), refill them
with seeded random values on the GPU machine (onnx + numpy there).

  python3 scripts/gpu_models.py strip unet64.onnx unet64.skel.onnx
  python3 scripts/gpu_models.py fill unet64.skel.onnx unet64.onnx

Weights are uniform in +-1/sqrt(fan_in) (PyTorch's default range), so the
activations stay in range at fp16; timing and CUDA-vs-reference checks need
the network's work, not PyTorch's particular draw."""
import sys
import numpy as np
import onnx
from onnx import numpy_helper

def strip(src, dst):
    m = onnx.load(src)
    for t in m.graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT and np.prod(t.dims) > 64:
            t.ClearField("raw_data")
            del t.float_data[:]
            t.doc_string = "segrt:refill"
    onnx.save(m, dst)

def fill(src, dst, seed=0):
    m = onnx.load(src)
    rng = np.random.RandomState(seed)
    for i, t in enumerate(m.graph.initializer):
        if t.doc_string != "segrt:refill":
            continue
        dims = list(t.dims)
        fan_in = int(np.prod(dims[1:])) if len(dims) > 1 else max(dims[0], 1)
        b = 1.0 / np.sqrt(fan_in)
        a = rng.uniform(-b, b, size=dims).astype(np.float32)
        n = numpy_helper.from_array(a, t.name)
        m.graph.initializer[i].CopyFrom(n)
    onnx.save(m, dst)

if __name__ == "__main__":
    {"strip": strip, "fill": fill}[sys.argv[1]](sys.argv[2], sys.argv[3])
