// The public API beyond Engine::run: explicit contexts over user memory,
// loading from bytes, precompile, model and plan info, the log callback,
// version. Only <segrt/segrt.h> is used, as a program would.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "segrt/segrt.h"
#include "test_util.h"

namespace segrt {
namespace {

std::string bundled_model() { return test::source_dir() + "/models/membrane_unet.onnx"; }

Options host_options() {
  Options o;
  o.backend = test::have_cpu_backend() ? "cpu" : "ref";
  return o;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

TEST(EngineApi, ContextOverUserMemoryMatchesRun) {
  Engine e = Engine::load(bundled_model(), host_options());
  Tensor x = test::random_tensor({1, 1, 32, 48}, 1, 0.f, 1.f);
  Tensor want = e.run({x})[0];
  Context ctx = e.create_context({x.shape()});
  ASSERT_EQ(ctx.outputs().size(), 1u);
  EXPECT_EQ(ctx.outputs()[0].shape, want.shape());
  std::vector<float> in(x.data<float>(), x.data<float>() + x.numel());
  std::vector<float> out(static_cast<size_t>(want.numel()), -1.f);
  ctx.bind_input(0, {in.data(), DType::f32, x.shape(), Memory::Host});
  ctx.bind_output(0, {out.data(), DType::f32, ctx.outputs()[0].shape, Memory::Host});
  for (int r = 0; r < 3; ++r) {  // reuse with the same bindings
    std::fill(out.begin(), out.end(), -1.f);
    ctx.enqueue();
    ctx.wait();
    EXPECT_TRUE(ctx.poll());
    EXPECT_EQ(std::memcmp(out.data(), want.raw(), want.nbytes()), 0) << "run " << r;
  }
}

// Host buffers from the engine bind like any host memory and give run()'s bits.
TEST(EngineApi, HostBuffersBindAndMatchRun) {
  Engine e = Engine::load(bundled_model(), host_options());
  Tensor x = test::random_tensor({2, 1, 32, 32}, 5, 0.f, 1.f);
  Tensor want = e.run({x})[0];
  Context ctx = e.create_context({x.shape()});
  HostBuffer in = e.allocate_host(x.nbytes());
  HostBuffer out = e.allocate_host(want.nbytes());
  ASSERT_NE(in.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(in.data()) % 64, 0u);
  EXPECT_EQ(out.size(), want.nbytes());
  std::memcpy(in.data(), x.raw(), x.nbytes());
  ctx.bind_input(0, in.view(DType::f32, x.shape()));
  ctx.bind_output(0, out.view(DType::f32, ctx.outputs()[0].shape));
  ctx.enqueue();
  ctx.wait();
  EXPECT_EQ(std::memcmp(out.data(), want.raw(), want.nbytes()), 0);
  HostBuffer moved = std::move(out);
  EXPECT_EQ(out.data(), nullptr);
  EXPECT_NE(moved.data(), nullptr);
}

// run()'s outputs are the caller's: they outlive the engine, and later runs
// (which recycle output memory on the GPU) never write into a tensor still held.
TEST(EngineApi, RunOutputsOutliveTheEngineAndAreNeverReused) {
  Tensor x = test::random_tensor({1, 1, 32, 32}, 6, 0.f, 1.f);
  Tensor first, copy;
  {
    Engine e = Engine::load(bundled_model(), host_options());
    first = e.run({x})[0];
    copy = first.clone();
    for (int r = 0; r < 3; ++r) {
      Tensor other = e.run({test::random_tensor({1, 1, 32, 32}, 7 + r, 0.f, 1.f)})[0];
      EXPECT_NE(other.raw(), first.raw());
    }
  }
  EXPECT_TRUE(same_bits(first, copy));
}

TEST(EngineApi, TensorWrapSharesTheCallersMemory) {
  auto owner = std::make_shared<std::vector<float>>(6, 2.5f);
  Tensor t = Tensor::wrap(owner->data(), DType::f32, {2, 3}, owner, Layout::Plain);
  EXPECT_EQ(t.raw(), owner->data());
  EXPECT_EQ(t.numel(), 6);
  std::weak_ptr<std::vector<float>> alive = owner;
  owner.reset();
  EXPECT_FALSE(alive.expired()) << "the tensor keeps its owner";
  EXPECT_EQ(t.data<float>()[5], 2.5f);
  t = Tensor();
  EXPECT_TRUE(alive.expired());
  EXPECT_THROW(Tensor::wrap(nullptr, DType::f32, {2}, nullptr), Error);
}

TEST(EngineApi, ContextRejectsBadBindings) {
  Engine e = Engine::load(bundled_model(), host_options());
  Context ctx = e.create_context({{1, 1, 16, 16}});
  std::vector<float> buf(16 * 16);
  EXPECT_THROW(ctx.bind_input(0, {buf.data(), DType::f32, {1, 1, 16, 17}, Memory::Host}), Error);
  EXPECT_THROW(ctx.bind_input(0, {buf.data(), DType::i64, {1, 1, 16, 16}, Memory::Host}), Error);
  EXPECT_THROW(ctx.bind_input(1, {buf.data(), DType::f32, {1, 1, 16, 16}, Memory::Host}), Error);
  EXPECT_THROW(ctx.bind_input(0, {buf.data(), DType::f32, {1, 1, 16, 16}, Memory::Device}), Error)
      << "host backends take no device memory";
  try {
    ctx.enqueue();
    FAIL() << "enqueue with nothing bound must throw";
  } catch (const Error& err) {
    EXPECT_EQ(err.kind(), ErrorKind::InvalidInput);
    EXPECT_NE(std::string(err.what()).find("not bound"), std::string::npos) << err.what();
  }
  EXPECT_THROW(e.allocate_device(16), Error);
}

TEST(EngineApi, LoadFromMemoryEqualsLoadFromFile) {
  std::ifstream f(bundled_model(), std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string bytes = ss.str();
  Engine a = Engine::load(bundled_model(), host_options());
  Engine b = Engine::load_from_memory(bytes.data(), bytes.size(), "onnx", host_options(), "unet-in-memory");
  Tensor x = test::random_tensor({1, 1, 16, 16}, 2, 0.f, 1.f);
  EXPECT_TRUE(same_bits(a.run({x})[0], b.run({x})[0]));
  try {
    Engine::load_from_memory(bytes.data(), bytes.size() / 3, "onnx", host_options(), "half.onnx");
    FAIL() << "a truncated model must not load";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("half.onnx"), std::string::npos) << "errors name the caller's name: "
                                                                             << err.what();
  }
  EXPECT_THROW(Engine::load_from_memory(bytes.data(), bytes.size(), "tflite", host_options()), Error);
}

TEST(EngineApi, PrecompileAndPlanInfo) {
  Engine e = Engine::load(bundled_model(), host_options());
  e.precompile({{{1, 1, 32, 32}}, {{2, 1, 16, 16}}});
  PlanInfo p = e.plan_info({{1, 1, 32, 32}});
  EXPECT_EQ(p.contexts, 0) << "precompile compiles; contexts come with runs";
  EXPECT_GT(p.macs, 0);
  if (test::have_cpu_backend()) EXPECT_GT(p.planned_bytes, 0u);  // the reference backend plans no arena
  ASSERT_EQ(p.outputs.size(), 1u);
  EXPECT_EQ(p.outputs[0].shape, (Shape{1, 1, 32, 32}));
  e.run({test::random_tensor({1, 1, 32, 32}, 1)});
  EXPECT_EQ(e.plan_info({{1, 1, 32, 32}}).contexts, 1);
  EXPECT_THROW(e.precompile({{{1, 3, 32, 32}}}), Error) << "the model takes one channel";
}

TEST(EngineApi, ModelInfoTable) {
  Engine e = Engine::load(bundled_model(), host_options());
  ModelInfo m = e.model_info({{1, 1, 64, 64}});
  EXPECT_EQ(m.format, "onnx");
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_FALSE(m.layers.empty());
  EXPECT_GT(m.params, 2100000) << "2.16 M parameters (README)";
  EXPECT_LT(m.params, 2200000);
  EXPECT_GT(m.macs, 0);
  ModelInfo head = e.model_info({}, false);
  EXPECT_TRUE(head.layers.empty());
}

TEST(EngineApi, LogCallbackGetsDebugOnlyWhenVerbose) {
  std::vector<std::pair<LogLevel, std::string>> got;
  Options o = host_options();
  o.log = [&](LogLevel l, const std::string& m) { got.push_back({l, m}); };
  {
    Engine e = Engine::load(bundled_model(), o);
    e.run({test::random_tensor({1, 1, 16, 16}, 1)});
  }
  for (auto& [l, m] : got) EXPECT_NE(l, LogLevel::Debug) << m;
  o.verbose = true;
  got.clear();
  Engine e = Engine::load(bundled_model(), o);
  e.run({test::random_tensor({1, 1, 16, 16}, 1)});
  bool debug = false;
  for (auto& [l, m] : got) debug |= l == LogLevel::Debug;
  EXPECT_TRUE(debug) << "verbose passes the passes' log to the callback";
}

// A shape no backend library can index is an error naming the tensor, never a
// crash (oneDNN's 32-bit arithmetic raised SIGFPE at 2^17 x 2^17 on the CPU).
TEST(EngineApi, ImpossiblyLargeShapeIsAnErrorNotACrash) {
  if (!test::have_cpu_backend()) GTEST_SKIP() << "the CPU backend (oneDNN) is not built";
  Engine e = Engine::load(bundled_model(), host_options());
  try {
    e.precompile({{{1, 1, int64_t{1} << 17, int64_t{1} << 17}}});
    FAIL() << "a 2^34-pixel plan was accepted";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("elements"), std::string::npos) << err.what();
  }
}

TEST(EngineApi, VersionMatchesMacros) {
  std::string v = std::to_string(SEGRT_VERSION_MAJOR) + "." + std::to_string(SEGRT_VERSION_MINOR) + "." +
                  std::to_string(SEGRT_VERSION_PATCH);
  EXPECT_EQ(v, version());
  EXPECT_EQ(v, SEGRT_VERSION_STRING);
  EXPECT_NE(std::string(build_parts()).find("onnx"), std::string::npos);
}

}  // namespace
}  // namespace segrt
