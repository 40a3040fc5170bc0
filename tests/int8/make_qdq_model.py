"""A QDQ ("explicitly quantized") ONNX model made with ONNX's Python helpers
from a float model and a segrt calibration table, the way ONNX Runtime's
quantize_static or TensorRT's toolkit would write one: before each Conv whose
input the table ranges, QuantizeLinear -> DequantizeLinear (int8, zero point
0, scale amax / 127, as segrt's CUDA backend asks for), and the weights as
int8 constants per output channel through DequantizeLinear (axis 0).

    make_qdq_model.py MODEL.onnx TABLE.calib.json OUT.onnx
"""
import json
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def main(src, table, dst):
    m = onnx.load(src)
    t = json.load(open(table))
    ranges = t["activations"]
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    nodes, made, n_q = [], {}, 0
    for node in g.node:
        if node.op_type != "Conv" or node.input[0] not in ranges or node.input[1] not in inits:
            nodes.append(node)
            continue
        x = node.input[0]
        if x not in made:
            amax = ranges[x]["amax"] or 1.0
            s, z = x + "_qdq_scale", x + "_qdq_zero"
            g.initializer.append(numpy_helper.from_array(np.array(amax / 127, np.float32), s))
            g.initializer.append(numpy_helper.from_array(np.array(0, np.int8), z))
            nodes.append(helper.make_node("QuantizeLinear", [x, s, z], [x + "_q"], name=x + "_quantize"))
            nodes.append(helper.make_node("DequantizeLinear", [x + "_q", s, z], [x + "_dq"], name=x + "_dequantize"))
            made[x] = x + "_dq"
        w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        amax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
        scale = np.where(amax > 0, amax / 127, 1).astype(np.float32)
        wq = np.clip(np.rint(w / scale.reshape(-1, *[1] * (w.ndim - 1))), -127, 127).astype(np.int8)
        wn = node.input[1]
        g.initializer.extend([numpy_helper.from_array(wq, wn + "_int8"),
                              numpy_helper.from_array(scale, wn + "_wscale"),
                              numpy_helper.from_array(np.zeros(w.shape[0], np.int8), wn + "_wzero")])
        nodes.append(helper.make_node("DequantizeLinear", [wn + "_int8", wn + "_wscale", wn + "_wzero"], [wn + "_dq"],
                                      name=wn + "_dequantize", axis=0))
        node.input[0] = made[x]
        node.input[1] = wn + "_dq"
        nodes.append(node)
        n_q += 1
    del g.node[:]
    g.node.extend(nodes)
    if max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) < 13:  # per-axis DequantizeLinear
        for o in m.opset_import:
            if o.domain in ("", "ai.onnx"):
                o.version = 13
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    print(f"{dst}: {n_q} convolutions behind QuantizeLinear/DequantizeLinear (int8, per-channel weights)")


if __name__ == "__main__":
    main(*sys.argv[1:4])
