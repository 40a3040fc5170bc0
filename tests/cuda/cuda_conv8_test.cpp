// 8-bit convolutions through cuDNN's graph API (GraphConvSpec::quantized):
// int8 x int8 (int32 accumulation) and fp8 e4m3 x e4m3 (float accumulation),
// times a per-channel scale, plus bias, ReLU, written as int8 / fp8 / half.
// Each variant is checked against a host computation on the same 8-bit data;
// SEGRT_CONV8_PROBE=1 also times every variant against fp16 on U-Net layer
// shapes (the table of bench/NOTES-cuda.md's int8 section).
#include <gtest/gtest.h>

#ifdef SEGRT_HAVE_CUDA
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "backend/cuda/conv_graph.h"
#include "cuda/cuda_test_util.h"
#include "segrt/tensor.h"

namespace segrt::cuda {
namespace {

struct Variant {
  const char* name;
  bool quantized;
  cudnnDataType_t in8, comp8, out;
};

const Variant kVariants[] = {
    {"f16 (baseline)", false, CUDNN_DATA_HALF, CUDNN_DATA_FLOAT, CUDNN_DATA_HALF},
    {"i8 -> i8", true, CUDNN_DATA_INT8, CUDNN_DATA_INT32, CUDNN_DATA_INT8},
    {"i8 -> f16", true, CUDNN_DATA_INT8, CUDNN_DATA_INT32, CUDNN_DATA_HALF},
    {"u8 -> i8", true, CUDNN_DATA_UINT8, CUDNN_DATA_INT32, CUDNN_DATA_INT8},
    {"e4m3 -> e4m3", true, CUDNN_DATA_FP8_E4M3, CUDNN_DATA_FLOAT, CUDNN_DATA_FP8_E4M3},
    {"e4m3 -> f16", true, CUDNN_DATA_FP8_E4M3, CUDNN_DATA_FLOAT, CUDNN_DATA_HALF},
};

size_t type_bytes(cudnnDataType_t t) { return t == CUDNN_DATA_HALF ? 2 : t == CUDNN_DATA_FLOAT ? 4 : 1; }

// One 8-bit (or half) element as float.
float decode(cudnnDataType_t t, const uint8_t* p) {
  switch (t) {
    case CUDNN_DATA_INT8: return static_cast<float>(static_cast<int8_t>(*p));
    case CUDNN_DATA_UINT8: return static_cast<float>(*p);
    case CUDNN_DATA_FP8_E4M3: return f8_to_f32(*p, DType::f8e4m3fn);
    case CUDNN_DATA_HALF: return f16_to_f32(*reinterpret_cast<const uint16_t*>(p));
    default: return *reinterpret_cast<const float*>(p);
  }
}

void encode(cudnnDataType_t t, float v, uint8_t* p) {
  switch (t) {
    case CUDNN_DATA_INT8: *p = static_cast<uint8_t>(static_cast<int8_t>(std::lrint(v))); break;
    case CUDNN_DATA_UINT8: *p = static_cast<uint8_t>(std::lrint(v)); break;
    case CUDNN_DATA_FP8_E4M3: *p = f32_to_f8(v, DType::f8e4m3fn); break;
    case CUDNN_DATA_HALF: *reinterpret_cast<uint16_t*>(p) = f32_to_f16(v); break;
    default: *reinterpret_cast<float*>(p) = v;
  }
}

struct Buffers {
  void *x = nullptr, *w = nullptr, *b = nullptr, *s = nullptr, *y = nullptr, *ws = nullptr;
  size_t ws_bytes = size_t{1} << 30;
  ~Buffers() {
    for (void* p : {x, w, b, s, y, ws}) cudaFree(p);
  }
};

GraphConvSpec spec_for(const Variant& v, int64_t n, int64_t c, int64_t h, int64_t k) {
  GraphConvSpec sp;
  sp.io = v.out;
  sp.quantized = v.quantized;
  sp.in8 = v.in8;
  sp.comp8 = v.comp8;
  sp.n = n, sp.c = c, sp.h = h, sp.w = h, sp.k = k, sp.r = 3, sp.s = 3, sp.oh = h, sp.ow = h;
  sp.pad_pre[0] = sp.pad_pre[1] = sp.pad_post[0] = sp.pad_post[1] = 1;
  sp.bias = true;
  sp.relu = true;
  return sp;
}

class CudaConv8 : public ::testing::Test {
 protected:
  void SetUp() override {
    SEGRT_REQUIRE_CUDA();
    ASSERT_EQ(cudnnCreate(&h_), CUDNN_STATUS_SUCCESS);
  }
  void TearDown() override {
    if (h_) cudnnDestroy(h_);
  }
  cudnnHandle_t h_ = nullptr;
};

// Each variant on a small layer against the host: exact integer accumulation
// (int8) or float accumulation of exactly representable fp8 products.
TEST_F(CudaConv8, EveryVariantMatchesTheHost) {
  const int64_t N = 2, C = 32, H = 12, K = 32;
  std::mt19937 rng(7);
  int built = 0;
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(v.name);
    const cudnnDataType_t xt = v.quantized ? v.in8 : CUDNN_DATA_HALF;
    std::vector<uint8_t> hx(N * H * H * C * type_bytes(xt)), hw(K * 9 * C * type_bytes(xt));
    std::uniform_int_distribution<int> q(xt == CUDNN_DATA_UINT8 ? 0 : -127, 127);
    std::uniform_real_distribution<float> f(-2.f, 2.f);
    auto fill = [&](std::vector<uint8_t>& buf) {
      for (size_t i = 0; i < buf.size() / type_bytes(xt); ++i)
        encode(xt, xt == CUDNN_DATA_INT8 || xt == CUDNN_DATA_UINT8 ? static_cast<float>(q(rng)) : f(rng),
               &buf[i * type_bytes(xt)]);
    };
    fill(hx);
    fill(hw);
    std::vector<float> scale(K), bias(K);
    for (int64_t o = 0; o < K; ++o) {
      scale[o] = v.quantized ? (xt == CUDNN_DATA_FP8_E4M3 ? 0.05f : 2e-4f) * (1 + o % 5) : 1.f;
      bias[o] = f(rng);
    }
    std::vector<uint8_t> hb(K * type_bytes(v.quantized ? CUDNN_DATA_FLOAT : CUDNN_DATA_HALF));
    for (int64_t o = 0; o < K; ++o) encode(v.quantized ? CUDNN_DATA_FLOAT : CUDNN_DATA_HALF, bias[o], &hb[o * hb.size() / K]);
    const size_t yb = N * H * H * K * type_bytes(v.out);
    Buffers d;
    ASSERT_EQ(cudaMalloc(&d.x, hx.size()), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&d.w, hw.size()), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&d.b, hb.size()), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&d.s, K * 4), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&d.y, yb), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&d.ws, d.ws_bytes), cudaSuccess);
    cudaMemcpy(d.x, hx.data(), hx.size(), cudaMemcpyHostToDevice);
    cudaMemcpy(d.w, hw.data(), hw.size(), cudaMemcpyHostToDevice);
    cudaMemcpy(d.b, hb.data(), hb.size(), cudaMemcpyHostToDevice);
    cudaMemcpy(d.s, scale.data(), K * 4, cudaMemcpyHostToDevice);
    GraphConv gc;
    std::string why;
    GraphConvPtrs p{d.x, d.w, d.b, nullptr, d.s, d.y};
    if (!gc.build(h_, spec_for(v, N, C, H, K), p, d.ws, d.ws_bytes, 4, &why)) {
      std::printf("[conv8] %-14s no engine: %s\n", v.name, why.c_str());
      continue;
    }
    ++built;
    cudaMemset(d.y, 0, yb);
    gc.execute(h_, p, d.ws);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    std::vector<uint8_t> hy(yb);
    cudaMemcpy(hy.data(), d.y, yb, cudaMemcpyDeviceToHost);
    double worst = 0;
    int64_t bad = 0;
    for (int64_t ni = 0; ni < N; ++ni)
      for (int64_t yy = 0; yy < H; ++yy)
        for (int64_t xx = 0; xx < H; ++xx)
          for (int64_t o = 0; o < K; ++o) {
            double acc = 0;
            for (int dy = 0; dy < 3; ++dy)
              for (int dx = 0; dx < 3; ++dx) {
                int64_t iy = yy + dy - 1, ix = xx + dx - 1;
                if (iy < 0 || ix < 0 || iy >= H || ix >= H) continue;
                for (int64_t ci = 0; ci < C; ++ci)
                  acc += double(decode(xt, &hx[(((ni * H + iy) * H + ix) * C + ci) * type_bytes(xt)])) *
                         decode(xt, &hw[(((o * 3 + dy) * 3 + dx) * C + ci) * type_bytes(xt)]);
              }
            double want = std::max(0.0, scale[o] * acc + bias[o]);
            const int64_t at = ((ni * H + yy) * H + xx) * K + o;
            double got = decode(v.out, &hy[at * type_bytes(v.out)]);
            double tol;
            if (v.out == CUDNN_DATA_INT8) {
              want = std::min(127.0, std::nearbyint(want));
              tol = 1.0;  // the rounding of a value near .5
            } else if (v.out == CUDNN_DATA_FP8_E4M3) {
              want = std::min(448.0, want);
              tol = std::abs(want) / 8 + 1.0 / 512;  // one e4m3 step
            } else {
              tol = 2e-3 * std::abs(want) + (v.quantized ? 1e-3 : 0.05);  // half output (fp16 baseline: fp16 inputs)
            }
            worst = std::max(worst, std::abs(got - want));
            if (std::abs(got - want) > tol && ++bad <= 3)
              ADD_FAILURE() << "n" << ni << " y" << yy << " x" << xx << " o" << o << ": " << got << " want " << want;
          }
    std::printf("[conv8] %-14s ok, max |err| %.4g (%s)\n", v.name, worst, bad ? "MISMATCH" : "within tolerance");
  }
  EXPECT_GE(built, 1) << "not even the fp16 baseline built";
}

// The probe: every variant timed on the classic U-Net's 3x3 layers (batch 16).
TEST_F(CudaConv8, ProbeUnetLayers) {
  if (!std::getenv("SEGRT_CONV8_PROBE")) GTEST_SKIP() << "set SEGRT_CONV8_PROBE=1 to time (scripts/gpu-test.sh does)";
  // SEGRT_CONV8_PROBE=all: every engine (column: best ms #config/engines timed).
  const bool exhaustive = std::string(std::getenv("SEGRT_CONV8_PROBE")) == "all";
  struct L {
    int64_t c, h, k;
  };
  const L layers[] = {{64, 512, 64}, {128, 256, 128}, {256, 128, 256}, {512, 64, 512}, {1024, 32, 1024}, {64, 256, 64}};
  std::printf("[conv8] %-14s", "ms (b16 3x3)");
  for (const L& l : layers) std::printf(" %5ldx%-4ld", long(l.c), long(l.h));
  std::printf("\n");
  for (const Variant& v : kVariants) {
    const auto vi = &v - kVariants;
    if (exhaustive && vi != 0 && vi != 1 && vi != 4) continue;  // f16, i8 -> i8, e4m3 -> e4m3
    std::printf("[conv8] %-14s", v.name);
    for (const L& l : layers) {
      if (exhaustive && l.c > 256) continue;
      const int64_t N = 16;
      const cudnnDataType_t xt = v.quantized ? v.in8 : CUDNN_DATA_HALF;
      Buffers d;
      bool ok = cudaMalloc(&d.x, N * l.h * l.h * l.c * type_bytes(xt)) == cudaSuccess &&
                cudaMalloc(&d.w, l.k * 9 * l.c * type_bytes(xt)) == cudaSuccess &&
                cudaMalloc(&d.b, l.k * 4) == cudaSuccess && cudaMalloc(&d.s, l.k * 4) == cudaSuccess &&
                cudaMalloc(&d.y, N * l.h * l.h * l.k * type_bytes(v.out)) == cudaSuccess &&
                cudaMalloc(&d.ws, d.ws_bytes) == cudaSuccess;
      ASSERT_TRUE(ok);
      cudaMemset(d.x, 0, N * l.h * l.h * l.c * type_bytes(xt));
      cudaMemset(d.w, 0, l.k * 9 * l.c * type_bytes(xt));
      GraphConv gc;
      std::string why;
      GraphConvPtrs p{d.x, d.w, d.b, nullptr, d.s, d.y};
      GraphConvSpec sp = spec_for(v, N, l.c, l.h, l.k);
      int timed = 0;
      if (exhaustive) {  // every engine of heuristics A, B and fallback, without a time budget
        sp.more_heuristics = true;
        sp.budget_s = 60;
        gc.on_timed([&](int, float) { ++timed; });
      }
      if (!gc.build(h_, sp, p, d.ws, d.ws_bytes, exhaustive ? 1000 : 12, &why)) {
        std::printf(" %10s", "-");
        continue;
      }
      cudaEvent_t e0, e1;
      cudaEventCreate(&e0);
      cudaEventCreate(&e1);
      gc.execute(h_, p, d.ws);
      cudaEventRecord(e0);
      for (int r = 0; r < 10; ++r) gc.execute(h_, p, d.ws);
      cudaEventRecord(e1);
      cudaEventSynchronize(e1);
      float ms = 0;
      cudaEventElapsedTime(&ms, e0, e1);
      cudaEventDestroy(e0);
      cudaEventDestroy(e1);
      if (exhaustive) std::printf(" %6.3f#%-3d/%-3d", ms / 10, gc.chosen_config(), timed);
      else std::printf(" %10.3f", ms / 10);
    }
    std::printf("\n");
  }
}

}  // namespace
}  // namespace segrt::cuda
#else
TEST(CudaConv8, NotBuilt) { GTEST_SKIP() << "built without the CUDA backend"; }
#endif
