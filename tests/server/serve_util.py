"""Helpers for the segrt serve tests: a model repository in a temporary folder,
the server as a child process (ports read from its "listening" log line), and
`segrt run` for reference answers. Standard library plus numpy."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.environ.get("SEGRT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "membrane_unet.onnx")
SIDECAR = os.path.join(ROOT, "models", "membrane_unet.segrt.json")
TOKEN = "s3cret-token"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok:", msg)


def make_repository(tmp, serving=None, name="membrane"):
    """tmp/repo/<name>/ with the bundled U-Net (a symlink) and its sidecar plus a serving section."""
    d = os.path.join(tmp, "repo", name)
    os.makedirs(d, exist_ok=True)
    os.symlink(os.path.abspath(MODEL), os.path.join(d, "membrane_unet.onnx"))
    with open(SIDECAR) as f:
        side = json.load(f)
    if serving:
        side["serving"] = serving
    with open(os.path.join(d, "membrane_unet.segrt.json"), "w") as f:
        json.dump(side, f, indent=1)
    return os.path.join(tmp, "repo")


class Server:
    """segrt serve as a child; stderr collected (access log and events)."""

    def __init__(self, segrt, repo, *extra, token_file=None, timeout=120):
        cmd = [segrt, "serve", "--model-repository", repo, "--http-port", "0", "--grpc-port", "0",
               "--backend", "cpu"] + list(extra)
        if token_file:
            cmd += ["--token-file", token_file]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.http_port = self.grpc_port = None
        ready = threading.Event()

        def pump():
            for line in self.proc.stderr:
                self.lines.append(line)
                m = re.search(r"listening(?: http [^ :]+:(\d+))?(?: grpc [^ :]+:(\d+))?", line)
                if m and not ready.is_set():
                    self.http_port = int(m.group(1)) if m.group(1) else None
                    self.grpc_port = int(m.group(2)) if m.group(2) else None
                    ready.set()
            ready.set()

        self.pump = threading.Thread(target=pump, daemon=True)
        self.pump.start()
        if not ready.wait(timeout) or self.proc.poll() is not None:
            self.stop()
            if "is not built into this segrt" in self.log():
                print("SKIP: the CPU backend is not built:", self.log().strip().splitlines()[-1])
                sys.exit(77)
            fail("the server did not start:\n" + "".join(self.lines[-30:]))

    def log(self):
        return "".join(self.lines)

    def terminate(self):
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout=120):
        rc = self.proc.wait(timeout)
        self.pump.join(10)
        return rc

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.pump.join(10)


def segrt_run(segrt, tmp, x, tag="x"):
    """The model's output for x through `segrt run` on the CPU backend."""
    inp = os.path.join(tmp, tag + "_in.npy")
    out = os.path.join(tmp, tag + "_out.npy")
    np.save(inp, x)
    subprocess.run([segrt, "run", MODEL, "-i", inp, "-o", out, "--backend", "cpu"], check=True,
                   stdout=subprocess.DEVNULL)
    return np.load(out)


def skip_unless_served(segrt):
    """Exit 77 (ctest skip) when this segrt was built without the server."""
    r = subprocess.run([segrt, "serve", "--help"], capture_output=True, text=True)
    probe = subprocess.run([segrt, "serve", "--model-repository", "/nonexistent"], capture_output=True, text=True)
    if r.returncode != 0 or "built without the server" in probe.stderr:
        print("SKIP: segrt was built without the server:", probe.stderr.strip())
        sys.exit(77)
