"""The model repository and the sidecar's serving section: mistakes stop the
server at start with a message naming the file and the key; `segrt segment`
still reads a sidecar that has a serving section. Usage: repository_test.py SEGRT"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from serve_util import MODEL, ROOT, check, make_repository, skip_unless_served

SEGRT = sys.argv[1]


def start_error(repo):
    r = subprocess.run([SEGRT, "serve", "--model-repository", repo, "--http-port", "0", "--grpc-port", "0",
                        "--backend", "cpu"], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stderr


def main():
    skip_unless_served(SEGRT)
    tmp = tempfile.mkdtemp()
    for serving, words in (({"max_batchx": 4}, ["unknown key serving.max_batchx"]),
                           ({"max_batch": 0}, ["serving.max_batch = 0", "1..4096"]),
                           ({"devices": "0"}, ["serving.devices"]),
                           ({"warmup_shape": [1, -3]}, ["serving.warmup_shape"])):
        d = tempfile.mkdtemp(dir=tmp)
        repo = make_repository(d, serving=serving)
        rc, err = start_error(repo)
        check(rc != 0 and all(w in err for w in words) and "membrane_unet.segrt.json" in err,
              f"serving {serving}: refused naming the file and key ({err.strip().splitlines()[-1]})")
    d = tempfile.mkdtemp(dir=tmp)
    repo = make_repository(d)
    os.symlink(os.path.abspath(MODEL), os.path.join(repo, "membrane", "second.onnx"))
    rc, err = start_error(repo)
    check(rc != 0 and "2 model files" in err and "membrane" in err, "a folder with two models: refused")
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    rc, err = start_error(empty)
    check(rc != 0 and "holds no model folder" in err, "an empty repository: refused")
    rc, err = start_error(os.path.join(tmp, "nonexistent"))
    check(rc != 0 and "not a folder" in err, "a missing repository: refused")
    # segrt segment reads the same sidecar, serving section and all.
    d = tempfile.mkdtemp(dir=tmp)
    repo = make_repository(d, serving={"max_batch": 4})
    model = os.path.join(repo, "membrane", "membrane_unet.onnx")
    img = os.path.join(ROOT, "examples", "membrane", "26.png")
    r = subprocess.run([SEGRT, "segment", model, img, "-o", os.path.join(d, "out"), "--backend", "cpu", "-q"],
                       capture_output=True, text=True, timeout=600)
    check(r.returncode == 0 and os.path.exists(os.path.join(d, "out", "26_mask.png")),
          "segrt segment accepts a sidecar with a serving section " + r.stderr.strip())
    print("PASS")


if __name__ == "__main__":
    main()
