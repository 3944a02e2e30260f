// Node-API face of the kernels: conv(op, a, b, out, geometry) on Float32Arrays (views of the
// tfjs wasm heap, or plain arrays in tests). Sizes are checked here, so that a wrong shape
// from JavaScript is a TypeError and never a write outside an array.
#include <node_api.h>

#include <cstdint>

#include "conv.h"

namespace {

enum Op { kForward = 0, kBackpropInput = 1, kBackpropFilter = 2 };
constexpr size_t kGeometryFields = 15;

napi_value fail(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
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
  bool isArray;
  napi_typedarray_type type;
  size_t fields;
  void* raw;
  napi_is_typedarray(env, argv[4], &isArray);
  if (!isArray || napi_get_typedarray_info(env, argv[4], &type, &fields, &raw, nullptr, nullptr) != napi_ok || type != napi_int32_array || fields != kGeometryFields) {
    return fail(env, "conv: geometry must be an Int32Array of 15 fields");
  }
  const int32_t* f = static_cast<const int32_t*>(raw);
  for (size_t i = 0; i < kGeometryFields; i++) {
    if (f[i] < 0 || (i < 13 && f[i] == 0)) return fail(env, "conv: geometry has a zero or negative size");
  }
  const sodate::ConvGeometry g{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14]};
  const size_t input = g.batch * g.inH * g.inW * g.inC, output = g.rows() * g.outC, filter = g.depth() * g.outC;
  switch (op) {
    case kForward:
      if (aLength != input || bLength != filter || outLength != output) return fail(env, "conv forward: array sizes do not match the geometry");
      sodate::convForward(g, a, b, out);
      break;
    case kBackpropInput:
      if (aLength != output || bLength != filter || outLength != input) return fail(env, "conv backprop input: array sizes do not match the geometry");
      sodate::convBackpropInput(g, a, b, out);
      break;
    default:
      if (aLength != input || bLength != output || outLength != filter) return fail(env, "conv backprop filter: array sizes do not match the geometry");
      sodate::convBackpropFilter(g, a, b, out);
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value conv, isa;
  napi_create_function(env, "conv", NAPI_AUTO_LENGTH, Conv, nullptr, &conv);
  napi_set_named_property(env, exports, "conv", conv);
#if defined(__AVX512F__)
  const char* name = "AVX-512";
#elif defined(__AVX2__)
  const char* name = "AVX2";
#else
  const char* name = "SSE";
#endif
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "instructionSet", isa);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
