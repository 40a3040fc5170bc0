// ONNX Runtime side of the oracle: for each case folder written by
// make_cases.py, runs model.onnx on the CPU execution provider (graph
// optimizations off, so ORT's own kernels answer) and writes every output as
// raw bytes plus ort_outputs.json (names, types, dims), or the error.
//   NODE_PATH=DIR/node_modules node ort_run.js CASES_DIR
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const ARRAYS = { float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array,
  uint8: Uint8Array, int8: Int8Array, bool: Uint8Array };

async function runCase(dir) {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json')));
  const feeds = {};
  for (const inp of m.inputs) {
    const buf = fs.readFileSync(path.join(dir, inp.file));
    const Arr = ARRAYS[inp.dtype];
    const copy = new Uint8Array(buf).buffer;  // aligned for the typed array
    feeds[inp.name] = new ort.Tensor(inp.dtype, new Arr(copy, 0, copy.byteLength / Arr.BYTES_PER_ELEMENT), inp.dims);
  }
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
    executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  const out = await session.run(feeds);
  const result = { outputs: [] };
  m.outputs.forEach((name, i) => {
    const t = out[name];
    const file = `ort_output_${i}.bin`;
    const d = t.data;
    fs.writeFileSync(path.join(dir, file), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
    result.outputs.push({ name, type: t.type, dims: t.dims, file });
  });
  return result;
}

async function main() {
  const root = process.argv[2];
  let ok = 0, bad = 0;
  const dirs = [];  // ROOT/<tolerance group>/<case>
  for (const group of fs.readdirSync(root).sort())
    for (const name of fs.readdirSync(path.join(root, group)).sort()) dirs.push(path.join(root, group, name));
  for (const dir of dirs) {
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) continue;
    let result;
    try {
      result = await runCase(dir);
      ok++;
    } catch (e) {
      result = { error: String(e.message || e).split('\n')[0] };
      bad++;
    }
    fs.writeFileSync(path.join(dir, 'ort_outputs.json'), JSON.stringify(result));
  }
  console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version}: ${ok} cases run, ${bad} refused`);
}
main().catch((e) => { console.error(e); process.exit(1); });
