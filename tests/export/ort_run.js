// ONNX Runtime side of the export tests: runs MODEL on one float32 input
// (raw little-endian file, dims given) on the CPU execution provider and
// writes the first output as raw float32; prints its dims as JSON.
//   node ort_run.js MODEL INPUT.bin N,H,W,C OUT.bin
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, input, dimsArg, outPath] = process.argv.slice(2);
  const dims = dimsArg.split(',').map(Number);
  const buf = fs.readFileSync(input);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, dims) });
  const y = out[session.outputNames[0]];
  fs.writeFileSync(outPath, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  console.log(JSON.stringify({ dims: y.dims, type: y.type }));
}
main().catch((e) => { console.error(String(e)); process.exit(1); });
