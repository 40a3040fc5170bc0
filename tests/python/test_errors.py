"""segrt's errors arrive as the right Python exception classes, with the engine's message."""
import numpy as np
import pytest

import segrt
from conftest import ROOT, UNET


def test_class_tree():
    assert issubclass(segrt.Error, RuntimeError)
    assert issubclass(segrt.Unsupported, segrt.InvalidModel)
    assert issubclass(segrt.InvalidInput, ValueError) and issubclass(segrt.InvalidInput, segrt.Error)
    assert issubclass(segrt.FileError, OSError) and issubclass(segrt.OutOfMemory, MemoryError)
    for c in (segrt.InvalidModel, segrt.DeviceError, segrt.InternalError):
        assert issubclass(c, segrt.Error)


def test_missing_file_is_file_error(tmp_path):
    with pytest.raises(segrt.FileError) as e:
        segrt.Engine(tmp_path / "nope.onnx")
    assert "nope.onnx" in str(e.value) and e.value.kind == "io" and e.value.file.endswith("nope.onnx")


def test_garbage_is_invalid_model(tmp_path):
    f = tmp_path / "bad.onnx"
    f.write_bytes(b"\x08\x07garbage that is no protobuf" * 10)
    with pytest.raises(segrt.InvalidModel) as e:
        segrt.Engine(f, backend="cpu")
    assert "bad.onnx" in str(e.value)
    with pytest.raises(segrt.InvalidModel):
        segrt.Engine(b"\x89HDF\r\n\x1a\n" + b"\0" * 64, backend="cpu")


def test_unsupported_op(tmp_path):
    onnx = pytest.importorskip("onnx", reason="python3-onnx not installed")
    from onnx import TensorProto, helper
    node = helper.make_node("RandomUniformLike", ["x"], ["y"])
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    f = tmp_path / "rand.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), f)
    with pytest.raises(segrt.Unsupported) as e:
        segrt.Engine(f, backend="cpu").run([np.zeros((1, 4), np.float32)])
    assert "RandomUniformLike" in str(e.value)


def test_invalid_inputs():
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    with pytest.raises(segrt.InvalidInput, match="int32"):
        engine.run([np.zeros((1, 1, 64, 64), np.int32)])
    with pytest.raises(ValueError):  # InvalidInput is a ValueError: rank 3 for a rank-4 input
        engine.run([np.zeros((1, 64, 64), np.float32)])
    with pytest.raises(segrt.InvalidInput, match="missing"):
        engine.run({"other": np.zeros((1, 1, 64, 64), np.float32)})
    with pytest.raises(segrt.InvalidInput, match="1 input"):
        engine.run([np.zeros((1, 1, 64, 64), np.float32)] * 2)
    with pytest.raises(segrt.InvalidInput, match="read-only"):
        out = np.zeros((1, 1, 64, 64), np.float32)
        out.flags.writeable = False
        engine.run([np.zeros((1, 1, 64, 64), np.float32)], outputs=[out])


class FakeCudaArray:
    """A CUDA array as PyTorch / CuPy describe it (never dereferenced by a host backend)."""
    __cuda_array_interface__ = {"shape": (1, 1, 64, 64), "typestr": "<f4", "data": (0x1000, False),
                                "strides": None, "version": 3}


def test_cuda_array_on_host_backend():
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    with pytest.raises(segrt.InvalidInput, match="host memory only"):
        engine.run([FakeCudaArray()])


def test_device_memory_on_host_backend_is_device_error():
    engine = segrt.Engine(UNET, backend="cpu")
    with pytest.raises(segrt.DeviceError) as e:
        engine.device_array((1, 1, 64, 64))
    assert e.value.kind == "device"


def test_cuda_without_gpu_falls_back_with_a_notice():
    if "cuda" not in segrt.build_parts.split():
        pytest.skip("built without the CUDA backend")
    seen = []
    engine = segrt.Engine(UNET, backend="cuda", log=lambda level, message: seen.append((level, message)))
    if engine.backend == "cuda":
        pytest.skip("a usable GPU is present: no fallback to see")
    assert engine.backend == "cpu" and any(level == "notice" and "falling back" in m for level, m in seen), seen


def test_out_of_memory():
    onnx = pytest.importorskip("onnx", reason="python3-onnx not installed")
    from onnx import TensorProto, helper, numpy_helper
    # ConstantOfShape of 2^40 float32 elements (4 TiB) from a 2-element shape.
    shape = numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "shape")
    fill = numpy_helper.from_array(np.array([1], np.float32))
    g = helper.make_graph([helper.make_node("ConstantOfShape", ["shape"], ["big"], value=fill),
                           helper.make_node("Mul", ["big", "x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=[shape])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    with pytest.raises(MemoryError) as e:
        segrt.Engine(model, backend="cpu").run([np.ones((1, 1), np.float32)])
    assert isinstance(e.value, segrt.OutOfMemory) and e.value.node == "big" and e.value.op == "ConstantOfShape"
