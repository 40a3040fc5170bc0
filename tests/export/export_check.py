#!/usr/bin/python3
"""Round trips of `segrt export` (driven by export_roundtrip.test.sh).

For the bundled model and every Keras file of ../shared/models that segrt
runs: `segrt run` of the original on the reference backend is the oracle; each
export (opsets 13 and 17, --layout nchw and keep, and a few more variants)
must pass onnx.checker, run in ONNX Runtime (onnxruntime-node) and load back
into segrt, both matching the oracle within 1e-5 relative (fp32). The trained
Keras U-Nets exported NCHW at opset 17 must hold only TensorRT-table ops and
no Transpose between their edges, and `segrt compare` of the original against
a --keep-names export must pass at 1e-5. Missing pieces skip visibly.

  export_check.py SEGRT WORKDIR [ORT_NODE_DIR]
"""
import json
import os
import subprocess
import sys

import numpy as np

SEGRT, WORK = sys.argv[1], sys.argv[2]
ORT_DIR = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SEGRT_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
SHARED = os.path.join(os.path.dirname(SRC), "shared", "models")
DL4J = "KonduitAI-dl4j-test-resources/src/main/resources/modelimport/keras/"
TOL = 1e-5

try:
    import onnx
    import onnx.checker
    ONNX_MAX_OPSET = onnx.defs.onnx_opset_version()
except ImportError:
    onnx = None
    ONNX_MAX_OPSET = 0

failures, checks, skips = [], 0, []


def rel_err(a, b):
    """max |a-b| / (1 + |b|): within T when every element has |a-b| <= T + T|b|, the
    rule of `segrt compare --tolerance T` (relative, with an absolute floor for the
    near-zero elements a ReLU or sigmoid leaves)."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    return float(np.max(np.abs(a - b) / (1.0 + np.abs(b)))) if b.size else 0.0


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def expect(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("  FAIL", what, flush=True)


def onnx_nodes(path):
    m = onnx.load(path)
    return m, [n.op_type for n in m.graph.node]


def check_file(path, opset):
    if onnx is None:
        return
    if opset > ONNX_MAX_OPSET:
        skips.append(f"onnx.checker of python3-onnx (opsets <= {ONNX_MAX_OPSET}) cannot check opset {opset} files")
        return
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        expect(True, "")
    except Exception as e:  # noqa: BLE001 - the checker's own exceptions vary by version
        expect(False, f"onnx.checker {path}: {e}")


def ort_run(path, x, tag):
    if not ORT_DIR:
        return None
    xb = os.path.join(WORK, tag + "_x.bin")
    yb = os.path.join(WORK, tag + "_ort.bin")
    x.astype(np.float32).tofile(xb)
    env = dict(os.environ, NODE_PATH=ORT_DIR)
    r = run(["node", os.path.join(HERE, "ort_run.js"), path, xb, ",".join(map(str, x.shape)), yb], env=env)
    if r.returncode != 0:
        expect(False, f"ONNX Runtime on {path}: {r.stderr.strip()[-400:]}")
        return None
    dims = json.loads(r.stdout.strip().splitlines()[-1])["dims"]
    return np.fromfile(yb, np.float32).reshape(dims)


def segrt_run(model, xnpy, out, extra=()):
    r = run([SEGRT, "run", model, "-b", "ref", "-i", xnpy, "-o", out, *extra])
    if r.returncode != 0:
        expect(False, f"segrt run {model}: {r.stderr.strip()[-400:]}")
        return None
    return np.load(out)


def export(model, out, args, extra=()):
    r = run([SEGRT, "export", model, "-o", out, *args, *extra])
    if r.returncode != 0:
        expect(False, f"segrt export {os.path.basename(model)} {' '.join(args)}: {r.stderr.strip()[-400:]}")
        return False
    return True


def roundtrip(label, model, x, args, ref, opset, tol=TOL, reload=True):
    tag = (label + "_" + "_".join(a.strip("-") for a in args)).replace("/", "_")
    out = os.path.join(WORK, tag + ".onnx")
    if not export(model, out, args):
        return None
    check_file(out, opset)
    y = ort_run(out, x, tag)
    line = f"  {label:<28} {' '.join(args):<42}"
    if y is not None:
        e = rel_err(y, ref) if y.shape == ref.shape else float("inf")
        expect(e <= tol, f"{label} {' '.join(args)}: ONNX Runtime vs segrt on the original: rel {e:.2e} "
                         f"(shapes {y.shape} / {ref.shape})")
        line += f" ORT rel {e:.1e}"
    if reload:  # the ONNX importer reads every opset export writes (13..23)
        b = segrt_run(out, os.path.join(WORK, label + "_x.npy"), os.path.join(WORK, tag + "_back.npy"))
        if b is not None:
            e = rel_err(b, ref) if b.shape == ref.shape else float("inf")
            expect(e <= tol, f"{label} {' '.join(args)}: segrt on the export vs the original: rel {e:.2e}")
            line += f"  reloaded rel {e:.1e}"
    print(line, flush=True)
    return out


TRT_OPS = None


def trt_table():
    global TRT_OPS
    if TRT_OPS is None:
        doc = open(os.path.join(SRC, "docs", "export.md")).read()
        part = doc.split("<!-- trt-ops -->")[1]
        TRT_OPS = {w.strip("`, \n") for w in part.split("<!-- /trt-ops -->")[0].split() if w.strip("`, \n")}
    return TRT_OPS


def trt_checks(label, path):
    m, ops = onnx_nodes(path)
    bad = sorted(set(ops) - trt_table())
    expect(not bad, f"{label}: ops outside the TensorRT table: {bad}")
    inputs = {i.name for i in m.graph.input}
    outputs = {o.name for o in m.graph.output}
    inner = [n.name for n in m.graph.node if n.op_type == "Transpose"
             and not (set(n.input) & inputs) and not (set(n.output) & outputs)]
    expect(not inner, f"{label}: Transpose inside the graph: {inner}")
    r = run([SEGRT, "export", MODELS[label][0], "-o", os.path.join(WORK, label + "_trt.onnx"), "--check-trt"])
    expect(r.returncode == 0, f"{label}: --check-trt: {r.stdout.strip()} {r.stderr.strip()}")
    print(f"  {label}: {len(ops)} nodes, ops {sorted(set(ops))}; inner transposes {len(inner)}; --check-trt rc "
          f"{r.returncode}", flush=True)


def compare_keep_names(label, model, xnpy, args):
    out = os.path.join(WORK, label + "_names.onnx")
    # --layout keep: a channels-first tensor whose C equals H and W cannot be told
    # from its channels-last reference by shape, which is all compare goes by.
    if not export(model, out, ["--keep-names", "--layout", "keep", *args]):
        return
    r = run([SEGRT, "compare", out, "-i", xnpy, "-b", "ref", "--reference-model", model, "--against", "ref",
             "--tolerance", str(TOL), "--all"])
    rows = [l for l in r.stdout.splitlines() if l.strip()]
    expect(r.returncode == 0, f"{label}: segrt compare original vs --keep-names export (rc {r.returncode}): "
                              f"{r.stdout[-600:]} {r.stderr[-300:]}")
    print(f"  {label}: segrt compare --keep-names rc {r.returncode}, {len(rows)} lines", flush=True)


def nchw_io(label, model, x, ref):
    """--nchw-io: the file takes and gives channels-first tensors; no Transpose at all."""
    out = os.path.join(WORK, label + "_nchw_io.onnx")
    if not export(model, out, ["--nchw-io", "--fold"]):
        return
    check_file(out, 17)
    if onnx is not None:
        _, ops = onnx_nodes(out)
        expect("Transpose" not in ops, f"{label} --nchw-io: Transpose in the file")
    y = ort_run(out, np.ascontiguousarray(x.transpose(0, 3, 1, 2)), label + "_nchw_io")
    if y is not None:
        y = y.transpose(0, 2, 3, 1) if y.ndim == 4 else y
        e = rel_err(y, ref) if y.shape == ref.shape else float("inf")
        expect(e <= TOL, f"{label} --nchw-io: ONNX Runtime vs the original: rel {e:.2e}")
        print(f"  {label:<28} {'--nchw-io --fold':<42} ORT rel {e:.1e}", flush=True)


# label -> (path, input shape for the run)
MODELS = {"membrane_unet": (os.path.join(SRC, "models", "membrane_unet.onnx"), (1, 1, 64, 64))}
KERAS = [
    ("hershey890_unet", "hershey890-Image_Segmentation_STM32/unet_1.h5", (2, 64, 64, 1)),
    ("hiwony7933_unet", "hiwony7933-Unet/model/unet.h5", (2, 28, 28, 1)),
    ("cnn2d_64", DL4J + "tfkeras/cnn2d_64.h5", (2, 10, 10, 3)),
    ("cnn2d_76", DL4J + "tfkeras/cnn2d_76.h5", (2, 10, 10, 3)),
    ("cnn2d_103", DL4J + "tfkeras/cnn2d_103.h5", (2, 10, 10, 3)),
    ("cnn2d_112", DL4J + "tfkeras/cnn2d_112.h5", (2, 10, 10, 3)),
    ("12net", DL4J + "examples/12net.h5", (2, 24, 20, 3)),
    ("wgan_discriminator", DL4J + "examples/gans/wgan_discriminator.h5", (2, 28, 28, 1)),
    ("cnn_batch_norm", DL4J + "fullconfigs/cnn/cnn_batch_norm.h5", (2, 10, 10, 3)),
    ("conv1d_same", DL4J + "examples/conv1d/conv1d_k3_s2_d1_cl_same_model.h5", (2, 16, 3)),
    ("keras_conv2d_model", "fastmachinelearning-example-models/keras/keras_conv2d_model.h5", (2, 8, 8, 1)),
    ("jetTagger_Conv2D", "fastmachinelearning-example-models/keras/keras_jetTagger_Conv2D_small.h5", (2, 25, 25, 1)),
    ("mnist_cnn_keras3", "CharM0625-mnist_cnn/mnist_model.keras", (2, 28, 28, 1)),
    ("afiliot_unet", "afiliot-Geometrical-Forms-Classification/unet.h5", (2, 5184)),
    ("ship_unet", "MaksymZhytnikov-ShipDetection/models/unet_model.h5", (2, 64, 64, 3)),
    ("airbus_fullres", "Strider0531-Airbus-semantic-segmentation/fullres_model.h5", (1, 48, 48, 3)),
]
ONNX_FILES = [  # ONNX sources: export as clean-up
    ("gokulnath_unet_onnx", "GokulnathSA-onnx/unet_model.onnx", (2, 1, 64, 64)),
    ("conv2d_small_tf2onnx", "fastmachinelearning-example-models/onnx/conv2d_small_keras.onnx", (1, 8, 8, 1)),
]
if os.path.isdir(SHARED):
    for label, rel, shape in KERAS + ONNX_FILES:
        MODELS[label] = (os.path.join(SHARED, rel), shape)
else:
    skips.append(f"{SHARED} absent: the real Keras files are not exported")

if onnx is None:
    skips.append("python3-onnx missing: onnx.checker not run")
if not ORT_DIR:
    skips.append("onnxruntime-node not installed: ONNX Runtime runs skipped")

os.makedirs(WORK, exist_ok=True)
rng = np.random.default_rng(1234)
for label, (path, shape) in MODELS.items():
    print(f"{label}: {os.path.relpath(path, os.path.dirname(SRC))} {shape}", flush=True)
    x = rng.uniform(0.0, 1.0, size=shape).astype(np.float32)
    xnpy = os.path.join(WORK, label + "_x.npy")
    np.save(xnpy, x)
    ref = segrt_run(path, xnpy, os.path.join(WORK, label + "_ref.npy"))
    if ref is None:
        continue
    for opset in (13, 17):
        for layout in ("nchw", "keep"):
            roundtrip(label, path, x, ["--opset", str(opset), "--layout", layout], ref, opset)
    roundtrip(label, path, x, ["--opset", "17", "--fold"], ref, 17)
    if label in ("membrane_unet", "hershey890_unet", "hiwony7933_unet"):
        if label != "membrane_unet":
            nchw_io(label, path, x, ref)
        for opset in range(18, 24):
            roundtrip(label, path, x, ["--opset", str(opset)], ref, opset)
        h, w = (shape[2], shape[3]) if label == "membrane_unet" else (shape[1], shape[2])
        fixed = ["--batch", str(shape[0]), "--shape", f"{h}x{w}", "--fold"]
        roundtrip(label, path, x, fixed, ref, 17)
        # fp16 weights and activations, float32 I/O: ONNX Runtime's CPU fp16 kernels, looser tolerance.
        roundtrip(label, path, x, ["--precision", "fp16"], ref, 17, tol=2e-2, reload=False)
        compare_keep_names(label, path, xnpy, [])
    if label in ("hershey890_unet", "hiwony7933_unet") and onnx is not None:
        out = roundtrip(label, path, x, ["--opset", "17", "--layout", "nchw", "--fold"], ref, 17)
        if out:
            trt_checks(label, out)

# Command-line errors and --check-trt's exit code.
membrane = MODELS["membrane_unet"][0]
for args, rc, says in [
        (["--opset", "12", "-o", os.path.join(WORK, "e.onnx")], 2, "12"),
        ([], 2, "-o OUT.onnx"),
        (["--opset", "21", "--check-trt"], 1, "opset 21 is outside TensorRT"),
        (["--layout", "keep", "--nchw-io", "-o", os.path.join(WORK, "e.onnx")], 2, "--nchw-io needs --layout nchw"),
        (["--shape", "12x", "-o", os.path.join(WORK, "e.onnx")], 4, "should look like 256x256")]:
    r = run([SEGRT, "export", membrane, *args])
    expect(r.returncode == rc and says in r.stdout + r.stderr,
           f"segrt export {' '.join(args)}: rc {r.returncode} (want {rc}), output {r.stdout[-200:]} {r.stderr[-200:]}")
r = run([SEGRT, "export", os.path.join(WORK, "absent.h5"), "-o", os.path.join(WORK, "e.onnx")])
expect(r.returncode == 5 and "absent.h5" in r.stderr, f"missing model: rc {r.returncode} {r.stderr}")
print("command-line errors checked", flush=True)

print(f"\n{checks} checks, {len(failures)} failed")
for s in dict.fromkeys(skips):
    print("SKIP:", s)
for f in failures:
    print("FAILED:", f)
sys.exit(1 if failures else 0)
