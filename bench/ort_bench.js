// ONNX Runtime side of bench/cpu_vs_ort.sh: times one model on the CPU
// execution provider (all graph optimizations, fixed thread count) on a raw
// float32 input, writes the first output as raw float32, prints one JSON line.
//   node ort_bench.js MODEL INPUT.bin N,C,H,W THREADS ITERS WARMUP OUT.bin
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, input, dimsArg, threads, iters, warmup, outPath] = process.argv.slice(2);
  const dims = dimsArg.split(',').map(Number);
  const buf = fs.readFileSync(input);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  let out;
  for (let i = 0; i < Number(warmup) + 1; i++) out = await session.run(feeds);
  const ms = [];
  for (let i = 0; i < Number(iters); i++) {
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const y = out[session.outputNames[0]].data;
  fs.writeFileSync(outPath, Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  const q = (p) => ms[Math.min(ms.length - 1, Math.round(p * (ms.length - 1)))];
  console.log(JSON.stringify({ backend: 'onnxruntime-node ' + require('onnxruntime-node/package.json').version,
    median_ms: q(0.5), p90_ms: q(0.9), min_ms: ms[0], peak_rss_bytes: process.resourceUsage().maxRSS * 1024 }));
}
main().catch((e) => { console.error(e); process.exit(1); });
