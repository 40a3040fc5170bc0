"""segrt from Python: load a segmentation model (ONNX, Keras), run it on NumPy or CUDA arrays.

    import numpy as np, segrt
    engine = segrt.Engine("unet.onnx", backend="cpu")
    (y,) = engine.run([np.zeros((1, 1, 256, 256), np.float32)])

See docs/python.md. The engine is libsegrt.so (the C++ library) through its public API.
"""
from ._segrt import (  # noqa: F401  (the public names)
    DeviceArray,
    DeviceError,
    Engine,
    Error,
    FileError,
    InternalError,
    InvalidInput,
    InvalidModel,
    OutOfMemory,
    TensorInfo,
    Unsupported,
    __version__,
    build_parts,
)
from ._compare import DriftTable, compare  # noqa: F401
from ._segment import Segmentation, segment  # noqa: F401

__all__ = [
    "Engine", "TensorInfo", "DeviceArray", "segment", "Segmentation", "compare", "DriftTable",
    "Error", "InvalidModel", "Unsupported", "InvalidInput", "FileError", "DeviceError", "OutOfMemory",
    "InternalError", "__version__", "build_parts",
]
