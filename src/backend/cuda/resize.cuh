// Resize (ONNX opset 17 semantics): nearest / linear / cubic on any of up to
// four axes, every coordinate transformation mode, on a dense tensor in its
// physical axis order (the host permutes the per-axis parameters for NHWC).
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

enum class ResizeMode : int { Nearest, Linear, Cubic };
enum class CoordMode : int { HalfPixel, PytorchHalfPixel, AlignCorners, Asymmetric, TfHalfPixelForNn, TfCropAndResize };
enum class NearestMode : int { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

struct ResizeAxis {
  int64_t in = 1, out = 1;
  float scale = 1.f;             // as given by the model (or out/in when sizes were given)
  float roi_start = 0.f, roi_end = 1.f;
};

struct ResizeParams {
  int rank = 4;
  ResizeAxis axis[4];
  ResizeMode mode = ResizeMode::Nearest;
  CoordMode coord = CoordMode::HalfPixel;
  NearestMode nearest = NearestMode::RoundPreferFloor;
  float cubic_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation = 0.f;
};

void launch_resize(const void* x, void* y, DevType t, const ResizeParams& p, cudaStream_t s);

}  // namespace segrt::cuda
