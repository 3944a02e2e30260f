#include "gemm.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace sodate {
namespace {

using Gemm = void (*)(long, long, long, const float*, long, const float*, long, float*, long, bool);

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx512f,fma"))) void gemmAvx512(long m, long n, long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc,
                                                        bool add) {
  kernel::gemm<kernel::v16, 24>(m, n, depth, a, lda, b, ldb, c, ldc, add);
}

__attribute__((target("avx2,fma"))) void gemmAvx2(long m, long n, long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool add) {
  kernel::gemm<kernel::v8, 6>(m, n, depth, a, lda, b, ldb, c, ldc, add);
}
#endif

void gemmBaseline(long m, long n, long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool add) {
  kernel::gemm<kernel::v4, 2>(m, n, depth, a, lda, b, ldb, c, ldc, add);
}

struct Choice {
  Gemm run;
  const char* name;
};

// SODATE_NATIVE_ISA=AVX2 or =baseline caps the choice, so that tests check every variant on one
// machine. It caps the GEMM only (the multi-versioned data loops still take the best), so it
// is no way to time another CPU: mixing AVX-512 loops with the SSE GEMM costs transitions.
// Case and dashes do not matter ("avx512", "AVX-512"); an unknown value caps nothing.
bool capIs(const char* cap, const char* name) {
  for (;;) {
    while (*cap == '-') cap++;
    while (*name == '-') name++;
    if (std::tolower(static_cast<unsigned char>(*cap)) != std::tolower(static_cast<unsigned char>(*name))) return false;
    if (*cap == 0) return true;
    cap++;
    name++;
  }
}

Choice choose() {
  const char* cap = std::getenv("SODATE_NATIVE_ISA");
  const bool toAvx2 = cap != nullptr && capIs(cap, "AVX2");
  const bool toBaseline = cap != nullptr && capIs(cap, "baseline");
  const bool allowAvx512 = !toAvx2 && !toBaseline;
  const bool allowAvx2 = !toBaseline;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool fma = __builtin_cpu_supports("fma");
  if (allowAvx512 && fma && __builtin_cpu_supports("avx512f")) return {gemmAvx512, "AVX-512"};
  if (allowAvx2 && fma && __builtin_cpu_supports("avx2")) return {gemmAvx2, "AVX2"};
#else
  (void)allowAvx512;
  (void)allowAvx2;
#endif
  return {gemmBaseline, "baseline"};
}

const Choice chosen = choose();

}  // namespace

void gemm(long m, long n, long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool add) {
  chosen.run(m, n, depth, a, lda, b, ldb, c, ldc, add);
}

const char* gemmInstructionSet() { return chosen.name; }

}  // namespace sodate
