"""`cmake --install` puts the package where python3 imports it, with the library and CLI it needs."""
import os
import subprocess
import sys
import sysconfig

import numpy as np
import pytest

from conftest import UNET

SCRIPT = """
import sys, numpy as np, segrt
assert segrt.__file__.startswith(sys.argv[1]), segrt.__file__
libs = [l.split()[-1] for l in open('/proc/self/maps') if 'libsegrt.so' in l]
assert libs and all(l.startswith(sys.argv[1]) for l in libs), libs
x = np.load(sys.argv[2])
np.save(sys.argv[3], segrt.Engine(sys.argv[4], backend='cpu' if 'cpu' in segrt.build_parts else 'ref').run([x])[0])
t = segrt.compare(sys.argv[4], [x], backend='cpu' if 'cpu' in segrt.build_parts else 'ref')
assert len(t) > 0 and t.ok, t
"""


def test_installed_package(tmp_path):
    build = os.environ.get("SEGRT_BUILD_DIR")
    if not build:
        pytest.skip("SEGRT_BUILD_DIR is not set (ctest sets it)")
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True, capture_output=True)
    site = prefix / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "dist-packages"
    assert (site / "segrt" / "__init__.py").exists(), sorted(p.name for p in prefix.rglob("*"))[:20]
    x = np.random.RandomState(5).rand(1, 1, 64, 96).astype(np.float32)
    np.save(tmp_path / "in.npy", x)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SEGRT_CLI", "LD_LIBRARY_PATH")}
    env["PYTHONPATH"] = str(site)
    subprocess.run([sys.executable, "-c", SCRIPT, str(prefix), tmp_path / "in.npy", tmp_path / "py.npy", UNET],
                   check=True, env=env, cwd=tmp_path)
    backend = "cpu" if "cpu" in subprocess.run([prefix / "bin" / "segrt", "--version"], capture_output=True,
                                               text=True).stdout else "ref"
    subprocess.run([prefix / "bin" / "segrt", "run", UNET, "-i", tmp_path / "in.npy", "-o", tmp_path / "cli.npy",
                    "-b", backend, "--no-cache"], check=True, capture_output=True)
    assert np.array_equal(np.load(tmp_path / "py.npy"), np.load(tmp_path / "cli.npy"))


def test_default_prefix_is_on_debian_sys_path():
    # /usr/local (CMake's default prefix) installs to lib/python3.X/dist-packages, which Debian's python3 reads.
    if not sys.executable.startswith("/usr/bin/"):
        pytest.skip(f"not Debian's python3: {sys.executable}")
    want = f"/usr/local/lib/python{sys.version_info[0]}.{sys.version_info[1]}/dist-packages"
    assert want in sys.path, (want, sys.path, sysconfig.get_paths()["purelib"])
