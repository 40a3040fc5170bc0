"""segrt.segment, segrt.compare and Engine.observe against the CLI's own results."""
import json

import numpy as np
import pytest

import segrt
from conftest import ROOT, UNET, run_cli

IMAGE = ROOT / "examples" / "membrane" / "26.png"


def test_observe_sees_every_layer_and_stops(rng):
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    x = rng.rand(1, 1, 64, 64).astype(np.float32)
    seen = []
    engine.observe(lambda name, op, a: seen.append((name, op, a)))
    (y,) = engine.run([x])
    assert len(seen) > 20 and all(a.dtype == np.float32 for _, _, a in seen)
    last = {name: a for name, _, a in seen}["membrane_prob"]
    assert np.array_equal(last, y)
    engine.observe(None)
    n = len(seen)
    engine.run([x])
    assert len(seen) == n


def test_observe_callback_error_is_raised_by_run(rng):
    engine = segrt.Engine(UNET, backend="cpu", threads=1)

    def boom(name, op, a):
        raise KeyError(name)
    engine.observe(boom)
    with pytest.raises(KeyError):
        engine.run([rng.rand(1, 1, 32, 32).astype(np.float32)])
    engine.observe(None)
    engine.run([rng.rand(1, 1, 32, 32).astype(np.float32)])  # the engine is fine afterwards


def test_observe_from_the_callback_is_refused(rng):
    engine = segrt.Engine(UNET, backend="cpu", threads=1)
    engine.observe(lambda name, op, a: engine.observe(None))
    with pytest.raises(segrt.InvalidInput, match="inside a run"):
        engine.run([rng.rand(1, 1, 32, 32).astype(np.float32)])


def test_segment_equals_cli(cli, tmp_path):
    Image = pytest.importorskip("PIL.Image", reason="python3-pil not installed")
    run_cli(cli, "segment", UNET, IMAGE, "-o", tmp_path, "--probs", "-b", "cpu", "--no-cache")
    want_mask = np.asarray(Image.open(tmp_path / "26_mask.png"))
    want_probs = np.load(tmp_path / "26_probs.npy")
    engine = segrt.Engine(UNET, backend="cpu")
    image = np.asarray(Image.open(IMAGE))
    r = segrt.segment(engine, image, probs=True)
    assert r.mask.dtype == np.uint8 and r.mask.shape == image.shape[:2]
    assert np.array_equal(r.probs, want_probs)
    assert np.array_equal(r.mask, want_mask)
    assert r.classes == ["cell", "membrane"]  # the sidecar's names and r.tiles == 1
    # A path works too; tiling is a config key (as --tile).
    tiled = segrt.segment(engine, IMAGE, config={"tile_size": 256})
    assert tiled.tiles > 1 and tiled.probs is None
    assert (tiled.mask == want_mask).mean() > 0.99


def test_segment_bad_config():
    engine = segrt.Engine(UNET, backend="cpu")
    img = np.zeros((64, 64), np.uint8)
    with pytest.raises(segrt.InvalidInput, match="unknown key 'tresh'"):
        segrt.segment(engine, img, config={"tresh": 0.3})
    with pytest.raises(segrt.InvalidInput, match="uint8 or uint16"):
        segrt.segment(engine, img.astype(np.float32))


def test_compare_equals_cli_json(cli, tmp_path, rng):
    x = rng.rand(1, 1, 64, 64).astype(np.float32)
    table = segrt.compare(UNET, [x], backend="cpu")
    assert table.ok and table.first_divergence is None and table.tolerance == 1e-4
    assert len(table) > 20 and {"name", "op", "max_abs", "cosine", "diverges"} <= table[0].keys()
    np.save(tmp_path / "x.npy", x)
    p = run_cli(cli, "compare", UNET, "-i", tmp_path / "x.npy", "-b", "cpu", "--json", "--all", "--no-cache")
    assert list(table) == json.loads(p.stdout)["rows"]
    # An engine stands for its model, backend and precision; a tiny tolerance finds a divergence.
    strict = segrt.compare(segrt.Engine(UNET, backend="cpu"), {"image": x}, tolerance=1e-12)
    assert not strict.ok and strict.first_divergence == next(r["name"] for r in strict if r["diverges"])
