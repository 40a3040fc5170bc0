/* The C API from C: load, run on host buffers, a context over the same
 * buffers giving the same bits, error strings and status codes. Exit 0 on
 * success; each failed check prints why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segrt/segrt_c.h"

static int failures = 0;
#define CHECK(cond, ...)                              \
  do {                                                \
    if (!(cond)) {                                    \
      fprintf(stderr, "capi_test:%d: ", __LINE__);    \
      fprintf(stderr, __VA_ARGS__);                   \
      fprintf(stderr, " (%s)\n", segrt_last_error()); \
      ++failures;                                     \
    }                                                 \
  } while (0)

int main(int argc, char** argv) {
  const char* model = argc > 1 ? argv[1] : SEGRT_BUNDLED_MODEL;
  const char* backend = argc > 2 ? argv[2] : "auto";
  segrt_engine* e = NULL;

  CHECK(strlen(segrt_version()) > 0, "version");
  CHECK(segrt_engine_load("/nonexistent/model.onnx", backend, NULL, &e) == SEGRT_IO, "missing file is SEGRT_IO");
  CHECK(e == NULL, "no engine on failure");
  CHECK(strstr(segrt_last_error(), "/nonexistent/model.onnx") != NULL, "the message names the file");
  CHECK(segrt_engine_load(NULL, NULL, NULL, &e) == SEGRT_INVALID_ARGUMENT, "NULL path");
  CHECK(strcmp(segrt_status_name(SEGRT_DEVICE), "SEGRT_DEVICE") == 0, "status names");

  segrt_status s = segrt_engine_load(model, backend, "fp32", &e);
  CHECK(s == SEGRT_OK, "load %s", model);
  if (s != SEGRT_OK) return 1;
  size_t n_in = 0, n_out = 0;
  CHECK(segrt_engine_io_count(e, &n_in, &n_out) == SEGRT_OK && n_in == 1 && n_out == 1, "one input, one output");
  const char* name = NULL;
  int64_t dims[8];
  size_t rank = 0;
  CHECK(segrt_engine_io_info(e, 0, 0, &name, dims, 8, &rank) == SEGRT_OK && rank == 4 && name, "input info");

  enum { H = 32, W = 32, N = H * W };
  float* in = malloc(sizeof(float) * N);
  float* out1 = malloc(sizeof(float) * N);
  float* out2 = malloc(sizeof(float) * N);
  for (int i = 0; i < N; ++i) in[i] = (float)((i * 37) % 101) / 100.0f;
  int64_t shape[4] = {1, 1, H, W}, out_shape[8];
  size_t out_rank = 0;
  s = segrt_run_f32(e, in, shape, 4, out1, N, out_shape, &out_rank);
  CHECK(s == SEGRT_OK && out_rank == 4 && out_shape[2] == H && out_shape[3] == W, "run");
  CHECK(segrt_run_f32(e, in, shape, 4, out1, N / 2, out_shape, &out_rank) == SEGRT_INVALID_INPUT,
        "a too small output buffer is refused");
  int64_t bad[4] = {1, 3, H, W};
  CHECK(segrt_run_f32(e, in, bad, 4, out2, N, out_shape, &out_rank) == SEGRT_INVALID_INPUT, "wrong channels");
  CHECK(strlen(segrt_last_error()) > 0, "an error message");
  s = segrt_run_f32(e, in, shape, 4, out1, N, out_shape, &out_rank);
  CHECK(s == SEGRT_OK, "run again");

  const int64_t* shapes[1] = {shape};
  size_t ranks[1] = {4};
  segrt_context* c = NULL;
  CHECK(segrt_context_create(e, shapes, ranks, 1, &c) == SEGRT_OK, "context");
  if (c) {
    int64_t os[8];
    size_t orank = 0;
    CHECK(segrt_context_output_shape(c, 0, os, 8, &orank) == SEGRT_OK && orank == 4, "output shape");
    CHECK(segrt_context_enqueue(c, NULL) == SEGRT_INVALID_INPUT, "enqueue before binding");
    CHECK(segrt_context_bind_input(c, 0, in, 0) == SEGRT_OK, "bind input");
    CHECK(segrt_context_bind_output(c, 0, out2, 0) == SEGRT_OK, "bind output");
    CHECK(segrt_context_enqueue(c, NULL) == SEGRT_OK, "enqueue");
    CHECK(segrt_context_wait(c) == SEGRT_OK, "wait");
    int done = 0;
    CHECK(segrt_context_poll(c, &done) == SEGRT_OK && done == 1, "poll after wait");
    CHECK(memcmp(out1, out2, sizeof(float) * N) == 0, "context output equals segrt_run_f32's bit for bit");
    segrt_context_free(c);
  }
  segrt_engine_free(e);
  free(in);
  free(out1);
  free(out2);
  if (failures) fprintf(stderr, "capi_test: %d check(s) failed\n", failures);
  else printf("capi_test: all checks passed\n");
  return failures ? 1 : 0;
}
