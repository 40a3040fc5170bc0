// The C API (segrt_c.h) over the C++ one: every call catches, maps the
// error kind to a status and keeps the message per thread.
#include "segrt/segrt_c.h"

#include <cstring>
#include <new>
#include <string>

#include "segrt/segrt.h"

struct segrt_engine {
  segrt::Engine engine;
  std::vector<segrt::TensorInfo> inputs, outputs;
};

struct segrt_context {
  segrt::Context ctx;
};

namespace {

thread_local std::string last_error;

segrt_status status_of(segrt::ErrorKind k) {
  switch (k) {
    case segrt::ErrorKind::InvalidModel: return SEGRT_INVALID_MODEL;
    case segrt::ErrorKind::Unsupported: return SEGRT_UNSUPPORTED;
    case segrt::ErrorKind::InvalidInput: return SEGRT_INVALID_INPUT;
    case segrt::ErrorKind::Io: return SEGRT_IO;
    case segrt::ErrorKind::Device: return SEGRT_DEVICE;
    case segrt::ErrorKind::OutOfMemory: return SEGRT_OUT_OF_MEMORY;
    case segrt::ErrorKind::Internal: return SEGRT_INTERNAL;
  }
  return SEGRT_INTERNAL;
}

segrt_status fail(segrt_status s, std::string message) {
  last_error = std::move(message);
  return s;
}

// Runs fn, turning every exception into a status and this thread's message.
template <class Fn>
segrt_status guard(Fn&& fn) {
  try {
    fn();
    return SEGRT_OK;
  } catch (const segrt::Error& e) {
    return fail(status_of(e.kind()), e.what());
  } catch (const std::bad_alloc&) {
    return fail(SEGRT_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(SEGRT_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(SEGRT_INTERNAL, "internal error");
  }
}

segrt::Options options(const char* backend, const char* precision) {
  segrt::Options o;
  if (backend) o.backend = backend;
  if (precision) o.precision = precision;
  return o;
}

segrt_status finish_load(segrt::Engine e, segrt_engine** out) {
  auto* h = new segrt_engine{std::move(e), {}, {}};
  h->inputs = h->engine.inputs();
  h->outputs = h->engine.outputs();
  *out = h;
  return SEGRT_OK;
}

#define SEGRT_C_REQUIRE(cond, what) \
  if (!(cond)) return fail(SEGRT_INVALID_ARGUMENT, what)

}  // namespace

extern "C" {

const char* segrt_version(void) { return segrt::version(); }

const char* segrt_status_name(segrt_status s) {
  switch (s) {
    case SEGRT_OK: return "SEGRT_OK";
    case SEGRT_INVALID_ARGUMENT: return "SEGRT_INVALID_ARGUMENT";
    case SEGRT_INVALID_MODEL: return "SEGRT_INVALID_MODEL";
    case SEGRT_INVALID_INPUT: return "SEGRT_INVALID_INPUT";
    case SEGRT_IO: return "SEGRT_IO";
    case SEGRT_DEVICE: return "SEGRT_DEVICE";
    case SEGRT_OUT_OF_MEMORY: return "SEGRT_OUT_OF_MEMORY";
    case SEGRT_UNSUPPORTED: return "SEGRT_UNSUPPORTED";
    case SEGRT_INTERNAL: return "SEGRT_INTERNAL";
  }
  return "SEGRT_UNKNOWN";
}

const char* segrt_last_error(void) { return last_error.c_str(); }

segrt_status segrt_engine_load(const char* path, const char* backend, const char* precision, segrt_engine** out) {
  SEGRT_C_REQUIRE(path && out, "segrt_engine_load: path and out must not be NULL");
  *out = nullptr;
  return guard([&] { finish_load(segrt::Engine::load(path, options(backend, precision)), out); });
}

segrt_status segrt_engine_load_memory(const void* data, size_t size, const char* format, const char* backend,
                                      const char* precision, segrt_engine** out) {
  SEGRT_C_REQUIRE(data && format && out, "segrt_engine_load_memory: data, format and out must not be NULL");
  *out = nullptr;
  return guard([&] {
    finish_load(segrt::Engine::load_from_memory(data, size, format, options(backend, precision)), out);
  });
}

void segrt_engine_free(segrt_engine* e) { delete e; }

segrt_status segrt_engine_io_count(const segrt_engine* e, size_t* inputs, size_t* outputs) {
  SEGRT_C_REQUIRE(e, "segrt_engine_io_count: NULL engine");
  if (inputs) *inputs = e->inputs.size();
  if (outputs) *outputs = e->outputs.size();
  return SEGRT_OK;
}

segrt_status segrt_engine_io_info(const segrt_engine* e, int is_output, size_t index, const char** name,
                                  int64_t* shape, size_t max_rank, size_t* rank) {
  SEGRT_C_REQUIRE(e, "segrt_engine_io_info: NULL engine");
  const auto& list = is_output ? e->outputs : e->inputs;
  if (index >= list.size())
    return fail(SEGRT_INVALID_ARGUMENT, "segrt_engine_io_info: index " + std::to_string(index) + " of " +
                                            std::to_string(list.size()));
  const segrt::TensorInfo& t = list[index];
  if (name) *name = t.name.c_str();
  if (rank) *rank = t.shape.size();
  SEGRT_C_REQUIRE(!shape || t.shape.size() <= max_rank, "segrt_engine_io_info: shape buffer too small");
  if (shape) std::copy(t.shape.begin(), t.shape.end(), shape);
  return SEGRT_OK;
}

segrt_status segrt_run_f32(segrt_engine* e, const float* input, const int64_t* shape, size_t rank, float* output,
                           size_t out_capacity, int64_t* out_shape, size_t* out_rank) {
  SEGRT_C_REQUIRE(e && input && shape && output, "segrt_run_f32: NULL argument");
  return guard([&] {
    // The caller's buffer, not a copy: Engine::run checks the shape against
    // the model before anything reads it (a wrong shape may outrun the buffer).
    segrt::Tensor x = segrt::Tensor::wrap(const_cast<float*>(input), segrt::DType::f32,
                                          segrt::Shape(shape, shape + rank), nullptr);
    std::vector<segrt::Tensor> y = e->engine.run({x});
    segrt::Tensor out = y.at(0).dtype() == segrt::DType::f32 ? y[0] : y[0].to_f32();
    SEGRT_CHECK(static_cast<size_t>(out.numel()) <= out_capacity, InvalidInput, "segrt_run_f32: the output has ",
                out.numel(), " elements, the buffer room for ", out_capacity);
    SEGRT_CHECK(out.rank() <= 8, InvalidInput, "segrt_run_f32: output of rank ", out.rank(), " (8 at most)");
    std::memcpy(output, out.raw(), out.nbytes());
    if (out_shape) std::copy(out.shape().begin(), out.shape().end(), out_shape);
    if (out_rank) *out_rank = static_cast<size_t>(out.rank());
  });
}

segrt_status segrt_context_create(segrt_engine* e, const int64_t* const* shapes, const size_t* ranks, size_t n_inputs,
                                  segrt_context** out) {
  SEGRT_C_REQUIRE(e && out && (n_inputs == 0 || (shapes && ranks)), "segrt_context_create: NULL argument");
  *out = nullptr;
  return guard([&] {
    std::vector<segrt::Shape> s;
    for (size_t i = 0; i < n_inputs; ++i) s.emplace_back(shapes[i], shapes[i] + ranks[i]);
    *out = new segrt_context{e->engine.create_context(s)};
  });
}

void segrt_context_free(segrt_context* c) { delete c; }

segrt_status segrt_context_output_shape(const segrt_context* c, size_t index, int64_t* shape, size_t max_rank,
                                        size_t* rank) {
  SEGRT_C_REQUIRE(c, "segrt_context_output_shape: NULL context");
  return guard([&] {
    const auto& outs = c->ctx.outputs();
    SEGRT_CHECK(index < outs.size(), InvalidInput, "output index ", index, " of ", outs.size());
    const segrt::Shape& s = outs[index].shape;
    SEGRT_CHECK(!shape || s.size() <= max_rank, InvalidInput, "shape buffer of ", max_rank, " for rank ", s.size());
    if (shape) std::copy(s.begin(), s.end(), shape);
    if (rank) *rank = s.size();
  });
}

namespace {
// data (host memory, or device memory when device != 0) seen as input or
// output `index` of the context, whose infos are `io`.
segrt::TensorView binding_view(const std::vector<segrt::TensorInfo>& io, const char* what, size_t index, void* data,
                               int device) {
  SEGRT_CHECK(index < io.size(), InvalidInput, what, " index ", index);
  return {data, io[index].dtype, io[index].shape, device ? segrt::Memory::Device : segrt::Memory::Host};
}
}  // namespace

segrt_status segrt_context_bind_input(segrt_context* c, size_t index, void* data, int device) {
  SEGRT_C_REQUIRE(c && data, "segrt_context_bind_input: NULL argument");
  return guard([&] { c->ctx.bind_input(index, binding_view(c->ctx.inputs(), "input", index, data, device)); });
}

segrt_status segrt_context_bind_output(segrt_context* c, size_t index, void* data, int device) {
  SEGRT_C_REQUIRE(c && data, "segrt_context_bind_output: NULL argument");
  return guard([&] { c->ctx.bind_output(index, binding_view(c->ctx.outputs(), "output", index, data, device)); });
}

segrt_status segrt_context_enqueue(segrt_context* c, void* cuda_stream) {
  SEGRT_C_REQUIRE(c, "segrt_context_enqueue: NULL context");
  return guard([&] { c->ctx.enqueue(cuda_stream); });
}

segrt_status segrt_context_wait(segrt_context* c) {
  SEGRT_C_REQUIRE(c, "segrt_context_wait: NULL context");
  return guard([&] { c->ctx.wait(); });
}

segrt_status segrt_context_poll(segrt_context* c, int* done) {
  SEGRT_C_REQUIRE(c && done, "segrt_context_poll: NULL argument");
  return guard([&] { *done = c->ctx.poll() ? 1 : 0; });
}

}  // extern "C"
