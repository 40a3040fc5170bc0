// segrt's umbrella header: the whole public C++ API.
//
//   #include <segrt/segrt.h>
//   segrt::Engine e = segrt::Engine::load("unet.onnx");
//   std::vector<segrt::Tensor> y = e.run({x});
#pragma once
#include "segrt/compare.h"
#include "segrt/engine.h"
#include "segrt/error.h"
#include "segrt/export.h"
#include "segrt/npy.h"
#include "segrt/tensor.h"
#include "segrt/version.h"
#if SEGRT_WITH_APP
#include "segrt/batch.h"
#include "segrt/image.h"
#include "segrt/segment.h"
#include "segrt/stream.h"
#endif
