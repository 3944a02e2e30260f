// A small single-threaded SGEMM for convolutions: C[m×n] (+)= A·B with
//   A(r, k) = a[r + k·lda]   (the rows of one k are contiguous: broadcasts at constant offsets)
//   B(k, j) = b[k·ldb + j]   (16 columns are loaded as one vector; rows padded to 16 floats)
// Written once with GCC vector extensions and compiled three times (AVX-512, AVX2+FMA, and the
// baseline instruction set); gemm.cc picks the best the CPU running it has, so one build runs
// on every x86-64 machine that shares it.
#pragma once

#include <algorithm>
#include <cstring>

namespace sodate {

constexpr int kLanes = 16;

inline long roundUp(long x, long to) { return (x + to - 1) / to * to; }

// C[m×n] (+)= A·B as above, with the fastest instructions this CPU has. B's rows must be
// readable to a multiple of 16 columns (padded with zeros where n is not one).
void gemm(long m, long n, long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool add);

// "AVX-512", "AVX2" or "baseline": what `gemm` runs on this CPU.
const char* gemmInstructionSet();

// Data-movement loops (im2col, col2im, batch norm) compiled for the same three instruction
// sets, chosen at load by the dynamic linker (GCC function multi-versioning).
// target_clones needs the dynamic linker's ifunc support: glibc has it, musl (Alpine) does not.
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && defined(__GLIBC__)
#define SODATE_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SODATE_MULTIVERSION
#endif

namespace kernel {

// Vectors of 16, 8 and 4 floats: one row of a 16-column tile is one zmm (AVX-512), two ymm
// (AVX2) or four xmm (baseline). A 16-float vector type where the target lacks AVX-512 would
// be split by the compiler, badly: each variant names the width its registers have.
typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef float v4 __attribute__((vector_size(16), aligned(4)));

#define SODATE_INLINE inline __attribute__((always_inline))

template <typename V>
SODATE_INLINE V loadu(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename V>
constexpr int vectorsPerRow() {
  return kLanes / static_cast<int>(sizeof(V) / sizeof(float));
}

template <typename V, int Rows>
SODATE_INLINE void storeTile(float* c, long ldc, V (*acc)[vectorsPerRow<V>()], int rows, int cols, bool add) {
  constexpr int kVectors = vectorsPerRow<V>();
  constexpr int kWidth = kLanes / kVectors;
  for (int r = 0; r < rows; r++) {
    float* out = c + r * ldc;
    if (cols == kLanes) {
      for (int v = 0; v < kVectors; v++) {
        V value = acc[r][v];
        if (add) value += loadu<V>(out + v * kWidth);
        std::memcpy(out + v * kWidth, &value, sizeof value);
      }
    } else {
      float lanes[kLanes];
      std::memcpy(lanes, acc[r], sizeof lanes);
      for (int j = 0; j < cols; j++) out[j] = add ? out[j] + lanes[j] : lanes[j];
    }
  }
}

// A tile of `rows` ≤ Rows rows × 16 columns. Full tiles (rows == Rows, a compile-time constant
// after inlining) keep their accumulators in registers.
template <typename V, int Rows>
SODATE_INLINE void tile(long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, int rows, int cols, bool add) {
  constexpr int kVectors = vectorsPerRow<V>();
  constexpr int kWidth = kLanes / kVectors;
  V acc[Rows][kVectors];
  for (int r = 0; r < Rows; r++)
    for (int v = 0; v < kVectors; v++) acc[r][v] = V{};
  if (rows == Rows) {
    for (long k = 0; k < depth; k++) {
      V bk[kVectors];
      for (int v = 0; v < kVectors; v++) bk[v] = loadu<V>(b + k * ldb + v * kWidth);
      const float* ak = a + k * lda;
#pragma GCC unroll 32
      for (int r = 0; r < Rows; r++)
#pragma GCC unroll 4
        for (int v = 0; v < kVectors; v++) acc[r][v] += ak[r] * bk[v];
    }
  } else {
    for (long k = 0; k < depth; k++) {
      V bk[kVectors];
      for (int v = 0; v < kVectors; v++) bk[v] = loadu<V>(b + k * ldb + v * kWidth);
      const float* ak = a + k * lda;
      for (int r = 0; r < rows; r++)
        for (int v = 0; v < kVectors; v++) acc[r][v] += ak[r] * bk[v];
    }
  }
  storeTile<V, Rows>(c, ldc, acc, rows, cols, add);
}

// Rows per tile: enough accumulators to hide the FMA latency, few enough to stay in
// registers (AVX-512: 24 of 32 zmm; AVX2: 6 × 2 of 16 ymm; baseline: 2 × 4 of 16 xmm).
template <typename V, int Rows>
SODATE_INLINE void gemm(long m, long n, long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool add) {
  for (long j = 0; j < n; j += kLanes) {
    const int cols = static_cast<int>(std::min<long>(kLanes, n - j));
    for (long i = 0; i < m; i += Rows) {
      tile<V, Rows>(depth, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, static_cast<int>(std::min<long>(Rows, m - i)), cols, add);
    }
  }
}

}  // namespace kernel
}  // namespace sodate
