// The direct NHWC kernel for convolutions with few output channels
// (backend/cuda/narrow_conv.cuh), run on its own against the reference
// backend's Conv: every K it takes (1-4), fp16 and bf16 storage, 3x3 with
// 'same' pads, asymmetric output sizes, 1x1, and an activation applied in it.
// conv.cpp picks it over cuDNN's plan only where it times faster, so a model
// run may never reach it: this test does.
#include <gtest/gtest.h>

#ifdef SEGRT_HAVE_CUDA
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/narrow_conv.cuh"
#include "cuda/cuda_test_util.h"
#include "test_util.h"

namespace segrt {
namespace {

struct Case {
  int64_t k, c, h, w;
  int kh, kw, pad;
  cuda::ActKind act;
};

TEST(CudaNarrowConv, MatchesTheReferenceConv) {
  SEGRT_REQUIRE_CUDA();
  const Case cases[] = {
      {2, 64, 9, 11, 3, 3, 1, cuda::ActKind::Relu},   // the U-Net head's shape, smaller
      {1, 16, 7, 5, 3, 3, 1, cuda::ActKind::Sigmoid},
      {3, 8, 6, 6, 1, 1, 0, cuda::ActKind::None},
      {4, 24, 5, 8, 3, 3, 0, cuda::ActKind::None},    // 'valid': a smaller output
      {2, 16, 6, 13, 5, 3, 2, cuda::ActKind::None},   // 5 rows x 3 columns; 13 columns: a partial group of four
  };
  for (const Case& cs : cases)
    for (DType t : {DType::f16, DType::bf16}) {
      SCOPED_TRACE("K " + std::to_string(cs.k) + " C " + std::to_string(cs.c) + " " + dtype_name(t));
      const int64_t N = 2;
      Tensor x = test::random_tensor({N, cs.c, cs.h, cs.w}, 3, -1.f, 1.f);
      Tensor w = test::random_tensor({cs.k, cs.c, cs.kh, cs.kw}, 4, -0.3f, 0.3f);
      Tensor b = test::random_tensor({cs.k}, 5, -0.2f, 0.2f);
      x = x.cast(t).to_f32();  // the values the kernel sees
      Attrs a;
      a.set("pads", std::vector<int64_t>(4, cs.pad));
      Graph g = test::one_node(OpType::Conv, a, {x, w, b});
      Tensor want = test::run_ref(g, {x})[0];
      const int64_t OH = want.dim(2), OW = want.dim(3);
      // Device buffers: x NHWC in t, weights float [kh][kw][C][K], y NHWC in t.
      Tensor xd = cuda::permute_host(x.cast(t), true);
      std::vector<float> wf(w.numel());
      auto wv = w.to_f64_vector();
      for (int64_t o = 0; o < cs.k; ++o)
        for (int64_t c = 0; c < cs.c; ++c)
          for (int i = 0; i < cs.kh; ++i)
            for (int j = 0; j < cs.kw; ++j)
              wf[((i * cs.kw + j) * cs.c + c) * cs.k + o] = static_cast<float>(wv[((o * cs.c + c) * cs.kh + i) * cs.kw + j]);
      std::vector<float> bf(b.data<float>(), b.data<float>() + cs.k);
      const size_t ybytes = static_cast<size_t>(N * OH * OW * cs.k) * dtype_size(t);
      void *dx, *dw, *db, *dy;
      ASSERT_EQ(cudaMalloc(&dx, xd.nbytes()), cudaSuccess);
      ASSERT_EQ(cudaMalloc(&dw, wf.size() * 4), cudaSuccess);
      ASSERT_EQ(cudaMalloc(&db, bf.size() * 4), cudaSuccess);
      ASSERT_EQ(cudaMalloc(&dy, ybytes), cudaSuccess);
      cudaMemcpy(dx, xd.raw(), xd.nbytes(), cudaMemcpyHostToDevice);
      cudaMemcpy(dw, wf.data(), wf.size() * 4, cudaMemcpyHostToDevice);
      cudaMemcpy(db, bf.data(), bf.size() * 4, cudaMemcpyHostToDevice);
      cuda::NarrowConvArgs na{N, cs.h, cs.w, cs.c, OH, OW, cs.k, cs.kh, cs.kw, cs.pad, cs.pad};
      ASSERT_TRUE(cuda::narrow_conv_fits(na));
      cuda::Act act;
      act.kind = cs.act;
      cuda::launch_narrow_conv(dx, static_cast<const float*>(dw), static_cast<const float*>(db), dy,
                               cuda::dev_type(t), na, act, nullptr);
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
      Tensor yd(t, {N, OH, OW, cs.k});
      cudaMemcpy(yd.raw(), dy, ybytes, cudaMemcpyDeviceToHost);
      cudaFree(dx), cudaFree(dw), cudaFree(db), cudaFree(dy);
      Tensor got = cuda::permute_host(yd.to_f32(), false);
      auto wantv = want.to_f64_vector();
      double err = 0, scale = 0;
      auto gotv = got.to_f64_vector();
      for (size_t i = 0; i < wantv.size(); ++i) {
        const float v = act::apply(cs.act, static_cast<float>(wantv[i]), 0.f, 0.f);
        err = std::max(err, std::abs(gotv[i] - v));
        scale = std::max(scale, std::abs(static_cast<double>(v)));
      }
      std::printf("[cuda-narrow] K %lld C %lld %s: max error %.3g of %.3g\n", static_cast<long long>(cs.k),
                  static_cast<long long>(cs.c), dtype_name(t), err, scale);
      // One rounding of the float sum to the storage type: 2^-8 (fp16 keeps 11 bits, bf16 8).
      EXPECT_LE(err, (t == DType::f16 ? 2e-3 : 8e-3) * std::max(scale, 1.0));
    }
}

TEST(CudaNarrowConv, RefusesWhatItCannotTake) {
  EXPECT_FALSE(cuda::narrow_conv_fits({1, 8, 8, 8, 8, 8, 5, 3, 3, 1, 1}));     // K 5
  EXPECT_FALSE(cuda::narrow_conv_fits({1, 8, 8, 12, 8, 8, 2, 3, 3, 1, 1}));    // C not a multiple of 8
  EXPECT_FALSE(cuda::narrow_conv_fits({1, 8, 8, 2048, 8, 8, 4, 3, 3, 1, 1}));  // weights past 48 KiB
  EXPECT_FALSE(cuda::narrow_conv_fits({1, 8, 8, 16, 8, 4, 2, 5, 5, 2, 2}));    // kernel width 5
  EXPECT_TRUE(cuda::narrow_conv_fits({1, 8, 8, 64, 8, 8, 2, 3, 3, 1, 1}));
}

}  // namespace
}  // namespace segrt
#else
TEST(CudaNarrowConv, NotBuilt) { GTEST_SKIP() << "built without the CUDA backend"; }
#endif
