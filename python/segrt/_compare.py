"""segrt.compare(): the per-layer drift table of `segrt compare`, as a list of records.

The comparison engine (tensor matching across fused layers, NHWC/NCHW transposes,
the metrics) is not part of segrt's public C++ API yet (it lives in src/runtime/compare.h),
so this runs the installed `segrt compare --json` rather than re-implementing it: the
numbers are the CLI's own. Inputs travel as temporary .npy files.
"""
import json
import os
import subprocess
import tempfile

import numpy as np

from . import _segrt


class DriftTable(list):
    """Rows (dicts: name, op, node, shape, max_abs, max_rel, cosine, beyond, diverges,
    fused_away, reference_lacks[, note]) in the reference's execution order, plus
    ok, first_divergence (a row name or None), tolerance and not_compared."""

    def __init__(self, report):
        super().__init__(report["rows"])
        self.ok = report["ok"]
        self.first_divergence = report["first_divergence"]
        self.tolerance = report["tolerance"]
        self.not_compared = report["not_compared"]

    def __repr__(self):
        verdict = "ok" if self.ok else f"first divergence at {self.first_divergence!r}"
        return f"<segrt.DriftTable: {len(self)} rows, tolerance {self.tolerance}, {verdict}>"


def cli_path():
    """The segrt CLI this package belongs to (SEGRT_CLI overrides)."""
    if os.environ.get("SEGRT_CLI"):
        return os.environ["SEGRT_CLI"]
    try:
        from . import _paths
    except ImportError:
        return "segrt"
    if _paths.CLI_RELATIVE:
        return os.path.normpath(os.path.join(os.path.dirname(__file__), _paths.CLI))
    return _paths.CLI


def compare(model, inputs=None, backend=None, precision=None, against="ref:fp32", reference=None,
            reference_model=None, tolerance=None, threads=0, trusted=False):
    """Runs `model` and a reference side by side, layer by layer (docs/compare.md).

    model: a model path, or a segrt.Engine (its file, backend and precision). inputs: a list
    (model order) or dict of arrays, or None when `reference` (a .npz dump or Keras
    *_inputs_and_outputs.h5) holds them. The reference: `against` ("ref:fp32", "cpu", ...),
    `reference_model` (another model file run on `against`) or `reference` (saved
    activations). tolerance: None follows the precisions (1e-4 fp32, 1e-2 fp16/tf32, 5e-2 bf16).
    Returns a DriftTable (a list of row dicts with .ok and .first_divergence).
    """
    if isinstance(model, _segrt.Engine):
        engine, path = model, model.model_path
        if not path:
            raise _segrt.InvalidInput("compare() needs an engine loaded from a file (the CLI reads the model)")
        backend = backend or engine.backend
        precision = precision or engine.precision
    else:
        engine, path = None, os.fspath(model)
    cmd = [cli_path(), "compare", path, "--json", "--all", "--no-cache",
           "--backend", backend or "auto", "--precision", precision or "fp32", "--threads", str(threads)]
    if trusted:
        cmd.append("--trusted")
    if reference is not None:
        cmd += ["--reference", os.fspath(reference)]
    else:
        cmd += ["--against", against]
        if reference_model is not None:
            cmd += ["--reference-model", os.fspath(reference_model)]
    if tolerance is not None:
        cmd += ["--tolerance", repr(float(tolerance))]
    with tempfile.TemporaryDirectory(prefix="segrt-compare-") as tmp:
        if inputs is not None:
            if isinstance(inputs, dict):
                names = [i.name for i in (engine or _segrt.Engine(path, backend="ref", log=lambda *a: None)).inputs]
                inputs = [inputs[n] for n in names]
            elif not isinstance(inputs, (list, tuple)):
                inputs = [inputs]
            for k, x in enumerate(inputs):
                f = os.path.join(tmp, f"input{k}.npy")
                np.save(f, np.ascontiguousarray(np.asarray(x)))
                cmd += ["-i", f]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
        except FileNotFoundError:
            raise _segrt.FileError(f"compare(): the segrt CLI was not found at {cmd[0]} (set SEGRT_CLI)") from None
    if p.returncode not in (0, 1):  # 1: ran, found a divergence
        raise _error_for_exit(p.returncode)(p.stderr.strip() or f"segrt compare failed with exit code {p.returncode}")
    return DriftTable(json.loads(p.stdout))


def _error_for_exit(code):
    """The CLI's exit codes (README) as segrt's exception classes."""
    return {3: _segrt.InvalidModel, 4: _segrt.InvalidInput, 5: _segrt.FileError, 6: _segrt.DeviceError,
            7: _segrt.OutOfMemory, 2: _segrt.InvalidInput}.get(code, _segrt.InternalError)
