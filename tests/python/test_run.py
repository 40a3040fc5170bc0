"""segrt.Engine.run against `segrt run`, bit for bit, and the ways inputs and outputs travel."""
import numpy as np
import pytest

import segrt
from conftest import UNET, keras_model, run_cli


def cli_outputs(cli, tmp_path, model, inputs, *flags):
    args = ["run", model]
    for k, x in enumerate(inputs):
        np.save(tmp_path / f"in{k}.npy", x)
        args += ["-i", tmp_path / f"in{k}.npy"]
    args += ["-o", tmp_path / "out0.npy", "--no-cache", *flags]
    run_cli(cli, *args)
    return np.load(tmp_path / "out0.npy")


@pytest.mark.parametrize("backend,size", [("cpu", 256), ("ref", 64)])
def test_bundled_unet_equals_cli(cli, tmp_path, rng, backend, size):
    x = rng.rand(1, 1, size, size).astype(np.float32)
    want = cli_outputs(cli, tmp_path, UNET, [x], "-b", backend)
    engine = segrt.Engine(UNET, backend=backend)
    (got,) = engine.run([x])
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want), f"max |diff| {np.abs(got - want).max()}"


def test_keras_file_equals_cli(cli, tmp_path, rng):
    model = keras_model()
    engine = segrt.Engine(model, backend="cpu")
    (info,) = engine.inputs
    assert info.layout == "NHWC"
    shape = [2 if d is None else d for d in info.shape]
    x = rng.rand(*shape).astype(np.float32)
    want = cli_outputs(cli, tmp_path, model, [x], "-b", "cpu")
    (got,) = engine.run({info.name: x})
    assert np.array_equal(got, want), f"max |diff| {np.abs(got - want).max()}"


def test_model_bytes_equal_path(rng):
    x = rng.rand(1, 1, 64, 64).astype(np.float32)
    a = segrt.Engine(UNET, backend="cpu").run(x)[0]
    b = segrt.Engine(UNET.read_bytes(), backend="cpu").run(x)[0]
    assert np.array_equal(a, b)


def test_inputs_dict_list_single_and_conversions(rng):
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    x = rng.rand(1, 1, 64, 64).astype(np.float32)
    (ref,) = engine.run([x])
    assert np.array_equal(engine.run({"image": x})[0], ref)
    assert np.array_equal(engine.run(x)[0], ref)
    # float64 becomes float32 (as `segrt run`); a non-contiguous view is made contiguous.
    assert np.array_equal(engine.run([x.astype(np.float64)])[0], ref)
    wide = np.zeros((1, 1, 64, 128), np.float32)
    wide[..., ::2] = x
    assert np.array_equal(engine.run([wide[..., ::2]])[0], ref)


def test_outputs_written_in_place(rng):
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    x = rng.rand(1, 1, 64, 64).astype(np.float32)
    (ref,) = engine.run([x])
    out = np.full(ref.shape, np.nan, np.float32)
    (got,) = engine.run([x], outputs=[out])
    assert got is out and np.array_equal(out, ref)
    out2 = np.zeros(ref.shape, np.float32)
    engine.run([x], outputs={"membrane_prob": out2})
    assert np.array_equal(out2, ref)


def test_metadata():
    engine = segrt.Engine(UNET, backend="cpu")
    (i,) = engine.inputs
    assert (i.name, i.dtype, i.shape, i.layout) == ("image", np.dtype("float32"), (None, 1, None, None), "")
    assert [o.name for o in engine.outputs] == ["membrane_prob"]
    assert engine.backend == "cpu" and engine.precision == "fp32" and engine.model_path == str(UNET)


def test_torch_cpu_tensor_through_dlpack(rng):
    torch = pytest.importorskip("torch", reason="python3-torch not installed")
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    x = rng.rand(1, 1, 64, 64).astype(np.float32)
    (ref,) = engine.run([x])
    assert np.array_equal(engine.run([torch.from_numpy(x)])[0], ref)


def test_dlpack_capsules_in_and_out(rng):
    torch = pytest.importorskip("torch", reason="python3-torch not installed")
    from torch.utils.dlpack import to_dlpack
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    x = rng.rand(1, 1, 64, 64).astype(np.float32)
    (ref,) = engine.run([x])
    out = torch.zeros(ref.shape)
    engine.run([to_dlpack(torch.from_numpy(x))], outputs=[to_dlpack(out)])  # capsules are consumed
    assert np.array_equal(out.numpy(), ref)
