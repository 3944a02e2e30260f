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
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define SODATE_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SODATE_MULTIVERSION
#endif

namespace kernel {

typedef float vfloat __attribute__((vector_size(64), aligned(4)));

#define SODATE_INLINE inline __attribute__((always_inline))

SODATE_INLINE vfloat loadu(const float* p) {
  vfloat v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

SODATE_INLINE void storeTile(float* c, long ldc, const vfloat* acc, int rows, int cols, bool add) {
  for (int r = 0; r < rows; r++) {
    float* out = c + r * ldc;
    if (cols == kLanes) {
      vfloat v = acc[r];
      if (add) v += loadu(out);
      std::memcpy(out, &v, sizeof v);
    } else {
      float lanes[kLanes];
      std::memcpy(lanes, &acc[r], sizeof lanes);
      for (int j = 0; j < cols; j++) out[j] = add ? out[j] + lanes[j] : lanes[j];
    }
  }
}

// A full tile: the row count is a compile-time constant, so the accumulators live in registers.
template <int Rows>
SODATE_INLINE void fullTile(long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, int cols, bool add) {
  vfloat acc[Rows];
  for (int r = 0; r < Rows; r++) acc[r] = vfloat{};
  for (long k = 0; k < depth; k++) {
    const vfloat bk = loadu(b + k * ldb);
    const float* ak = a + k * lda;
#pragma GCC unroll 32
    for (int r = 0; r < Rows; r++) acc[r] += ak[r] * bk;
  }
  storeTile(c, ldc, acc, Rows, cols, add);
}

// The last rows of a matrix whose height is not a multiple of the tile.
template <int Rows>
SODATE_INLINE void edgeTile(long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, int rows, int cols, bool add) {
  vfloat acc[Rows];
  for (int r = 0; r < rows; r++) acc[r] = vfloat{};
  for (long k = 0; k < depth; k++) {
    const vfloat bk = loadu(b + k * ldb);
    const float* ak = a + k * lda;
    for (int r = 0; r < rows; r++) acc[r] += ak[r] * bk;
  }
  storeTile(c, ldc, acc, rows, cols, add);
}

// Rows per tile: with AVX-512 a 16-lane vector is one of 32 zmm registers, so 24 accumulators,
// one B vector and broadcasts folded into the FMAs fit; with AVX2 it is two of 16 ymm, so 6.
template <int Rows>
SODATE_INLINE void gemm(long m, long n, long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool add) {
  for (long j = 0; j < n; j += kLanes) {
    const int cols = static_cast<int>(std::min<long>(kLanes, n - j));
    long i = 0;
    for (; i + Rows <= m; i += Rows) fullTile<Rows>(depth, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, cols, add);
    if (i < m) edgeTile<Rows>(depth, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, static_cast<int>(m - i), cols, add);
  }
}

}  // namespace kernel
}  // namespace sodate
