// Node-API face of the kernels, on Float32Arrays (views of the tfjs wasm heap, or plain arrays
// in tests):
//   conv(op, a, b, out, geometry)
//   batchNormForward(x, gamma, beta, epsilon, y, mean, variance)
//   batchNormBackward(dy, x, gamma, mean, variance, epsilon, dx, dgamma, dbeta)
//   adamw(w, g, m, v, beta1, beta2, stepSize, c2, eps, keep)
//   sgd(w, g, b, lr, momentum, weightDecay, nesterov, first)
//   ema(shadow, values, decay)
// Sizes are checked here, so that a wrong shape from JavaScript is a TypeError and never a
// write outside an array.
#include <node_api.h>

#include <cstdint>
#include <initializer_list>
#include <new>

#include "batch-norm.h"
#include "conv.h"
#include "gemm.h"
#include "optimizers.h"

namespace {

enum Op { kForward = 0, kBackpropInput = 1, kBackpropFilter = 2 };
constexpr size_t kGeometryFields = 15;
constexpr int32_t kApiVersion = 1;

napi_value fail(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

// Runs a kernel whose scratch allocation may fail: a JavaScript error instead of a C++
// exception crossing into Node (which would abort the process).
template <typename Kernel>
napi_value guarded(napi_env env, Kernel kernel) {
  try {
    kernel();
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "sodate native kernel: out of memory for its scratch buffers");
  }
  return nullptr;
}

bool floats(napi_env env, napi_value value, float** data, size_t* length) {
  bool is;
  napi_typedarray_type type;
  void* raw;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return false;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_float32_array) return false;
  *data = static_cast<float*>(raw);
  return true;
}

napi_value Conv(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5) return fail(env, "conv(op, a, b, out, geometry) takes 5 arguments");
  int32_t op;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || op < kForward || op > kBackpropFilter) return fail(env, "conv: op must be 0, 1 or 2");
  float *a, *b, *out;
  size_t aLength, bLength, outLength;
  if (!floats(env, argv[1], &a, &aLength) || !floats(env, argv[2], &b, &bLength) || !floats(env, argv[3], &out, &outLength)) {
    return fail(env, "conv: a, b and out must be Float32Arrays");
  }
  bool isArray = false;
  napi_typedarray_type type;
  size_t fields;
  void* raw;
  if (napi_is_typedarray(env, argv[4], &isArray) != napi_ok || !isArray || napi_get_typedarray_info(env, argv[4], &type, &fields, &raw, nullptr, nullptr) != napi_ok || type != napi_int32_array || fields != kGeometryFields) {
    return fail(env, "conv: geometry must be an Int32Array of 15 fields");
  }
  const int32_t* f = static_cast<const int32_t*>(raw);
  // Empty images, batches or channels are valid (tfjs returns empty tensors for them); kernel
  // sizes, strides and dilations (fields 7–12) are not.
  for (size_t i = 0; i < kGeometryFields; i++) {
    if (f[i] < 0 || (i >= 7 && i <= 12 && f[i] == 0)) return fail(env, "conv: geometry has a negative size or a zero kernel size, stride or dilation");
  }
  const sodate::ConvGeometry g{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14]};
  const size_t input = g.batch * g.inH * g.inW * g.inC, output = g.rows() * g.outC, filter = g.depth() * g.outC;
  switch (op) {
    case kForward:
      if (aLength != input || bLength != filter || outLength != output) return fail(env, "conv forward: array sizes do not match the geometry");
      return guarded(env, [&] { sodate::convForward(g, a, b, out); });
    case kBackpropInput:
      if (aLength != output || bLength != filter || outLength != input) return fail(env, "conv backprop input: array sizes do not match the geometry");
      return guarded(env, [&] { sodate::convBackpropInput(g, a, b, out); });
    default:
      if (aLength != input || bLength != output || outLength != filter) return fail(env, "conv backprop filter: array sizes do not match the geometry");
      return guarded(env, [&] { sodate::convBackpropFilter(g, a, b, out); });
  }
}

// Reads the Float32Array arguments at the given positions into `arrays` (with their lengths); false if one is not.
bool floatArgs(napi_env env, const napi_value* argv, std::initializer_list<size_t> at, float** arrays, size_t* lengths) {
  size_t i = 0;
  for (size_t index : at) {
    if (!floats(env, argv[index], &arrays[i], &lengths[i])) return false;
    i++;
  }
  return true;
}

napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float* a[6];
  size_t n[6];
  double epsilon;
  if (argc != 7 || !floatArgs(env, argv, {0, 1, 2, 4, 5, 6}, a, n) || napi_get_value_double(env, argv[3], &epsilon) != napi_ok) {
    return fail(env, "batchNormForward(x, gamma, beta, epsilon, y, mean, variance) takes 6 Float32Arrays and a number");
  }
  const size_t channels = n[1];
  if (channels == 0 || n[0] % channels != 0 || n[2] != channels || n[3] != n[0] || n[4] != channels || n[5] != channels) {
    return fail(env, "batchNormForward: array sizes do not match (x and y: rows × channels; gamma, beta, mean, variance: channels)");
  }
  return guarded(env, [&] { sodate::batchNormForward(n[0] / channels, channels, a[0], a[1], a[2], static_cast<float>(epsilon), a[3], a[4], a[5]); });
}

napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float* a[8];
  size_t n[8];
  double epsilon;
  if (argc != 9 || !floatArgs(env, argv, {0, 1, 2, 3, 4, 6, 7, 8}, a, n) || napi_get_value_double(env, argv[5], &epsilon) != napi_ok) {
    return fail(env, "batchNormBackward(dy, x, gamma, mean, variance, epsilon, dx, dgamma, dbeta) takes 8 Float32Arrays and a number");
  }
  const size_t size = n[0], channels = n[2];
  if (channels == 0 || size % channels != 0 || n[1] != size || n[5] != size || n[3] != channels || n[4] != channels || n[6] != channels || n[7] != channels) {
    return fail(env, "batchNormBackward: array sizes do not match (dy, x, dx: rows × channels; the others: channels)");
  }
  return guarded(env, [&] { sodate::batchNormBackward(size / channels, channels, a[0], a[1], a[2], a[3], a[4], static_cast<float>(epsilon), a[5], a[6], a[7]); });
}

// Reads number arguments (booleans as 0/1) from `first` on into `out`.
bool numberArgs(napi_env env, const napi_value* argv, size_t first, size_t count, double* out) {
  for (size_t i = 0; i < count; i++) {
    napi_valuetype type;
    napi_typeof(env, argv[first + i], &type);
    if (type == napi_boolean) {
      bool flag;
      napi_get_value_bool(env, argv[first + i], &flag);
      out[i] = flag ? 1 : 0;
    } else if (napi_get_value_double(env, argv[first + i], &out[i]) != napi_ok) {
      return false;
    }
  }
  return true;
}

// fn(arrays..., numbers...) where every array has the same length; returns that length, or -1.
long sameLengthArrays(napi_env env, napi_callback_info info, size_t arrays, size_t numbers, float** a, double* x) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != arrays + numbers) return -1;
  size_t lengths[4];
  for (size_t i = 0; i < arrays; i++) {
    if (!floats(env, argv[i], &a[i], &lengths[i]) || lengths[i] != lengths[0]) return -1;
  }
  return numberArgs(env, argv, arrays, numbers, x) ? static_cast<long>(lengths[0]) : -1;
}

napi_value AdamW(napi_env env, napi_callback_info info) {
  float* a[4];
  double x[6];
  const long n = sameLengthArrays(env, info, 4, 6, a, x);
  if (n < 0) return fail(env, "adamw(w, g, m, v, beta1, beta2, stepSize, c2, eps, keep) takes 4 Float32Arrays of one length and 6 numbers");
  sodate::adamwUpdate(n, a[0], a[1], a[2], a[3], x[0], x[1], x[2], x[3], x[4], x[5]);
  return nullptr;
}

napi_value Sgd(napi_env env, napi_callback_info info) {
  float* a[3];
  double x[5];
  const long n = sameLengthArrays(env, info, 3, 5, a, x);
  if (n < 0) return fail(env, "sgd(w, g, b, lr, momentum, weightDecay, nesterov, first) takes 3 Float32Arrays of one length, 3 numbers and 2 booleans");
  sodate::sgdUpdate(n, a[0], a[1], a[2], x[0], x[1], x[2], x[3] != 0, x[4] != 0);
  return nullptr;
}

napi_value Ema(napi_env env, napi_callback_info info) {
  float* a[2];
  double x[1];
  const long n = sameLengthArrays(env, info, 2, 1, a, x);
  if (n < 0) return fail(env, "ema(shadow, values, decay) takes 2 Float32Arrays of one length and a number");
  sodate::emaUpdate(n, a[0], a[1], x[0]);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const struct {
    const char* name;
    napi_callback function;
  } functions[] = {{"conv", Conv},   {"batchNormForward", BatchNormForward}, {"batchNormBackward", BatchNormBackward},
                   {"adamw", AdamW}, {"sgd", Sgd},                           {"ema", Ema}};
  for (const auto& f : functions) {
    napi_value value;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.function, nullptr, &value);
    napi_set_named_property(env, exports, f.name, value);
  }
  napi_value isa, version;
  napi_create_string_utf8(env, sodate::gemmInstructionSet(), NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "instructionSet", isa);
  // What src/native-kernels/load.ts expects: bump it with any change
  // to the functions above, so that a build older than the checkout is refused, not called.
  napi_create_int32(env, kApiVersion, &version);
  napi_set_named_property(env, exports, "apiVersion", version);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
