// The GPU generation rule (backend/cuda/capability.h), tested without a GPU:
// every card from Turing (7.5) runs fp32 and fp16; bf16 and tf32 need Ampere
// (8.0); older cards are refused with a reason naming the card.
#include <gtest/gtest.h>

#include <string>

#ifdef SEGRT_HAVE_CUDA
#include "backend/cuda/capability.h"

namespace segrt::cuda {
namespace {

TEST(CudaCapability, EveryGenerationFromTuringRunsFp32AndFp16) {
  struct Card {
    const char* name;
    int major, minor;
  };
  for (Card c : {Card{"Tesla T4", 7, 5}, Card{"NVIDIA A100", 8, 0}, Card{"NVIDIA A10", 8, 6}, Card{"Jetson Orin", 8, 7},
                 Card{"NVIDIA L4", 8, 9}, Card{"NVIDIA H200", 9, 0}, Card{"NVIDIA B200", 10, 0},
                 Card{"Jetson Thor", 11, 0}, Card{"RTX 5090", 12, 0}})
    for (const char* p : {"fp32", "fp16"}) {
      std::string why;
      EXPECT_TRUE(capability_ok(c.name, c.major, c.minor, p, &why)) << c.name << " " << p << ": " << why;
    }
}

TEST(CudaCapability, Bf16AndTf32NeedAmpere) {
  for (const char* p : {"bf16", "tf32"}) {
    std::string why;
    EXPECT_FALSE(capability_ok("Tesla T4", 7, 5, p, &why));
    EXPECT_NE(why.find("Tesla T4"), std::string::npos) << why;
    EXPECT_NE(why.find("8.0"), std::string::npos) << why;
    EXPECT_NE(why.find(std::string("--precision ") + p), std::string::npos) << why;
    EXPECT_TRUE(capability_ok("NVIDIA A100", 8, 0, p, &why)) << why;
    EXPECT_TRUE(capability_ok("NVIDIA L4", 8, 9, p, &why)) << why;
  }
}

TEST(CudaCapability, Fp8ConvolutionsNeedAda) {
  std::string why;
  EXPECT_FALSE(capability_ok("NVIDIA A100", 8, 0, "fp8", &why));
  EXPECT_NE(why.find("NVIDIA A100"), std::string::npos) << why;
  EXPECT_NE(why.find("8.9"), std::string::npos) << why;
  EXPECT_FALSE(capability_ok("NVIDIA A10", 8, 6, "fp8", &why));
  EXPECT_TRUE(capability_ok("NVIDIA L4", 8, 9, "fp8", &why)) << why;
  EXPECT_TRUE(capability_ok("NVIDIA H200", 9, 0, "fp8", &why)) << why;
}

TEST(CudaCapability, OlderThanTuringIsRefused) {
  std::string why;
  EXPECT_FALSE(capability_ok("Tesla V100", 7, 0, "fp32", &why));
  EXPECT_NE(why.find("Tesla V100"), std::string::npos) << why;
  EXPECT_NE(why.find("7.5"), std::string::npos) << why;
  EXPECT_FALSE(capability_ok("Tesla P100", 6, 0, "fp16", &why));
}

}  // namespace
}  // namespace segrt::cuda
#else
TEST(CudaCapability, NotBuilt) { GTEST_SKIP() << "built without the CUDA backend"; }
#endif
