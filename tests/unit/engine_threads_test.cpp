// Engine::run from many threads on one Engine: every result equals the
// serial one bit for bit (each thread feeds its own input, so a context
// mixed up between callers shows), contexts are pooled and reused, weights
// are compiled once. Runs on the CPU backend (ref without oneDNN); the same
// file is built with ThreadSanitizer by tests/tsan (segrt_tsan_threads).
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "segrt/segrt.h"
#include "test_util.h"

namespace segrt {
namespace {

std::string bundled_model() { return test::source_dir() + "/models/membrane_unet.onnx"; }

Options cpu_options() {
  Options o;
  o.backend = test::have_cpu_backend() ? "cpu" : "ref";
  o.threads = 1;  // many callers at once: one OpenMP thread each keeps the 2-core CI machine honest
  return o;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

int runs_per_thread() {
  // ThreadSanitizer makes every access ~10x dearer: fewer runs, same interleavings.
  if (const char* r = std::getenv("SEGRT_THREAD_TEST_RUNS")) return std::atoi(r);
  return 100;
}

TEST(EngineThreads, EightThreadsMatchSerialBitForBit) {
  constexpr int kThreads = 8;
  const int kRuns = runs_per_thread();
  Engine e = Engine::load(bundled_model(), cpu_options());
  std::vector<Tensor> inputs, expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(test::random_tensor({1, 1, 32, 32}, 100 + t, 0.f, 1.f));
    expected.push_back(e.run({inputs.back()})[0]);
  }
  ASSERT_FALSE(same_bits(expected[0], expected[1])) << "inputs should give different outputs";
  std::atomic<int> mismatches{0}, errors{0};
  std::mutex mu;
  std::string first_error;
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r) {
        try {
          if (!same_bits(e.run({inputs[t]})[0], expected[t])) ++mismatches;
        } catch (const std::exception& ex) {
          if (errors++ == 0) {
            std::lock_guard<std::mutex> lock(mu);
            first_error = ex.what();
          }
        }
      }
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(errors.load(), 0) << "first: " << first_error;
  PlanInfo p = e.plan_info({{1, 1, 32, 32}});
  EXPECT_GE(p.contexts, 1);
  EXPECT_LE(p.contexts, kThreads) << "contexts are pooled: at most one per concurrent caller";
}

TEST(EngineThreads, NewShapesFromManyThreadsAtOnce) {
  // Plan building is serialised; every thread asks for shapes the engine has not seen.
  Engine e = Engine::load(bundled_model(), cpu_options());
  std::vector<Shape> shapes = {{1, 1, 16, 16}, {1, 1, 32, 16}, {1, 1, 16, 32}, {2, 1, 16, 16}};
  std::vector<Tensor> expected;
  for (const Shape& s : shapes) {
    Engine serial = Engine::load(bundled_model(), cpu_options());
    expected.push_back(serial.run({test::random_tensor(s, 7, 0.f, 1.f)})[0]);
  }
  std::atomic<int> bad{0};
  std::vector<std::thread> pool;
  for (size_t i = 0; i < shapes.size() * 2; ++i)
    pool.emplace_back([&, i] {
      size_t k = i % shapes.size();
      if (!same_bits(e.run({test::random_tensor(shapes[k], 7, 0.f, 1.f)})[0], expected[k])) ++bad;
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(EngineThreads, MaxContextsMakesCallersWait) {
  Options o = cpu_options();
  o.max_contexts = 2;
  Engine e = Engine::load(bundled_model(), o);
  Tensor x = test::random_tensor({1, 1, 16, 16}, 3, 0.f, 1.f);
  Tensor want = e.run({x})[0];
  std::atomic<int> bad{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 6; ++t)
    pool.emplace_back([&] {
      for (int r = 0; r < 5; ++r)
        if (!same_bits(e.run({x})[0], want)) ++bad;
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(e.plan_info({{1, 1, 16, 16}}).contexts, 2);
}

}  // namespace
}  // namespace segrt
