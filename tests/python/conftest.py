"""Fixtures of the Python module's tests: the repository, the CLI, the shared models.

ctest runs these with PYTHONPATH=build/python and SEGRT_CLI=build/tools/segrt/segrt
(tests/python/python_tests.cmake); run by hand the same way:
    PYTHONPATH=build/python SEGRT_CLI=build/tools/segrt/segrt python3 -m pytest tests/python
"""
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(os.environ.get("SEGRT_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
SHARED_MODELS = pathlib.Path(os.environ.get("SEGRT_SHARED_MODELS", ROOT.parent / "shared" / "models"))
UNET = ROOT / "models" / "membrane_unet.onnx"
# A Keras U-Net of ../shared/models (third party, never in the repo).
KERAS_UNET = SHARED_MODELS / "hershey890-Image_Segmentation_STM32" / "unet_1.h5"


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("SEGRT_CLI", str(ROOT / "build" / "tools" / "segrt" / "segrt"))
    if not os.path.exists(path):
        pytest.skip(f"the segrt CLI is not at {path} (set SEGRT_CLI)")
    return path


def run_cli(cli, *args):
    """Runs the CLI, failing the test with its stderr on a non-zero exit."""
    p = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 0, f"segrt {' '.join(map(str, args))}: exit {p.returncode}\n{p.stderr}"
    return p


def keras_model():
    if not KERAS_UNET.exists():
        pytest.skip(f"Keras model {KERAS_UNET} is absent (../shared/models is not in the repo)")
    return KERAS_UNET


@pytest.fixture
def rng():
    return np.random.RandomState(1234)
