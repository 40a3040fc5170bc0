/* segrt's C API: the stable ABI for other languages (Python ctypes, Rust,
 * Go...). Opaque handles, status codes, host buffers, and execution contexts.
 * Every call returns a segrt_status; on failure segrt_last_error() holds the
 * message (per thread) until the next failing call on that thread.
 *
 *   segrt_engine* e;
 *   if (segrt_engine_load("unet.onnx", "cpu", "fp32", &e) != SEGRT_OK) {
 *     fprintf(stderr, "%s\n", segrt_last_error());
 *     return 1;
 *   }
 *   int64_t shape[4] = {1, 1, 512, 512};
 *   segrt_run_f32(e, in, shape, 4, out, out_capacity, out_shape, &out_rank);
 *   segrt_engine_free(e);
 */
#ifndef SEGRT_C_H
#define SEGRT_C_H

#include <stddef.h>
#include <stdint.h>

/* Everything declared here is exported from libsegrt.so (built with hidden visibility). */
#pragma GCC visibility push(default)

#ifdef __cplusplus
extern "C" {
#endif

typedef enum segrt_status {
  SEGRT_OK = 0,
  SEGRT_INVALID_MODEL = 3,   /* the values match the CLI's exit codes (README) */
  SEGRT_UNSUPPORTED = 8,
  SEGRT_INVALID_INPUT = 4,
  SEGRT_IO = 5,
  SEGRT_DEVICE = 6,
  SEGRT_OUT_OF_MEMORY = 7,
  SEGRT_INTERNAL = 70,
  SEGRT_INVALID_ARGUMENT = 2 /* a null handle or pointer, a buffer too small */
} segrt_status;

typedef struct segrt_engine segrt_engine;
typedef struct segrt_context segrt_context;

/* The library's version ("0.2.0") and a status code's name ("SEGRT_IO"). */
const char* segrt_version(void);
const char* segrt_status_name(segrt_status s);
/* The message of this thread's last failure ("" when none). */
const char* segrt_last_error(void);

/* backend: "auto", "cpu", "cuda", "ref" (NULL = "auto"); precision: "fp32",
 * "tf32", "fp16", "bf16" (NULL = "fp32"). */
segrt_status segrt_engine_load(const char* path, const char* backend, const char* precision, segrt_engine** out);
/* format: "onnx", "h5" or "keras". */
segrt_status segrt_engine_load_memory(const void* data, size_t size, const char* format, const char* backend,
                                      const char* precision, segrt_engine** out);
void segrt_engine_free(segrt_engine* e);

/* Model inputs and outputs: count, then name / shape (-1: dynamic) of one. */
segrt_status segrt_engine_io_count(const segrt_engine* e, size_t* inputs, size_t* outputs);
/* is_output 0: input `index`; 1: output. rank gets the rank; shape (capacity
 * max_rank) the dims; name (may be NULL) is valid while the engine lives. */
segrt_status segrt_engine_io_info(const segrt_engine* e, int is_output, size_t index, const char** name,
                                  int64_t* shape, size_t max_rank, size_t* rank);

/* One float32 input, first float32 output, host memory (thread-safe, as
 * Engine::run). out_capacity in elements; out_shape has room for 8 dims. */
segrt_status segrt_run_f32(segrt_engine* e, const float* input, const int64_t* shape, size_t rank, float* output,
                           size_t out_capacity, int64_t* out_shape, size_t* out_rank);

/* Execution contexts for fixed input shapes (shapes: n_inputs arrays of ranks[i] dims). */
segrt_status segrt_context_create(segrt_engine* e, const int64_t* const* shapes, const size_t* ranks, size_t n_inputs,
                                  segrt_context** out);
void segrt_context_free(segrt_context* c);
/* Output `index`'s shape as compiled. */
segrt_status segrt_context_output_shape(const segrt_context* c, size_t index, int64_t* shape, size_t max_rank,
                                        size_t* rank);
/* Bind float32 buffers (device != 0: a device pointer, cuda backend). Sizes
 * are the compiled shapes'. */
segrt_status segrt_context_bind_input(segrt_context* c, size_t index, void* data, int device);
segrt_status segrt_context_bind_output(segrt_context* c, size_t index, void* data, int device);
/* cuda_stream: a cudaStream_t or NULL. */
segrt_status segrt_context_enqueue(segrt_context* c, void* cuda_stream);
segrt_status segrt_context_wait(segrt_context* c);
/* *done = 1 once the last enqueued run has finished. */
segrt_status segrt_context_poll(segrt_context* c, int* done);

#ifdef __cplusplus
}
#endif

#pragma GCC visibility pop

#endif /* SEGRT_C_H */
