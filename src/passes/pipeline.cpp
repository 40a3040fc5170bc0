// The default pass pipeline, in the order the passes depend on each other.
#include "passes/pass.h"

namespace segrt {

void run_shape_passes(Graph& g, PassLog& log) {
  fold_constants(g, log);
  remove_identity(g, log);
  remove_dead_nodes(g, log);
}

void run_optimization_passes(Graph& g, PassLog& log, const PassOptions& options) {
  fuse_pad_into_conv(g, log);
  fold_batchnorm(g, log);
  fuse_residual_add(g, log);  // before fuse_activation: the residual is added before the activation
  fuse_activation(g, log, options.fusible);
  if (options.int8_data_movement) sink_dequantize(g, log);  // before fuse_qdq_conv: the pools and concats go 8-bit
  fuse_qdq_conv(g, log, options.fp8_convolutions);  // after fuse_activation: the activation rides into the 8-bit convolution
  remove_dead_nodes(g, log);  // drops the weights BatchNorm folding replaced
  concat_in_place(g, log);
  plan_memory(g, log);
}

}  // namespace segrt
