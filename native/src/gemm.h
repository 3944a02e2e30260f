// A small single-threaded SGEMM for convolutions: C[m×n] (+)= A·B with
//   A(r, k) = a[r + k·lda]   (the rows of one k are contiguous: broadcasts at constant offsets)
//   B(k, j) = b[k·ldb + j]   (16 columns are loaded as one vector; rows padded to 16 floats)
// Written with GCC vector extensions, so that the compiler picks AVX-512, AVX2 or SSE for the
// machine it is built on (-march=native) without intrinsics per instruction set.
#pragma once

#include <algorithm>
#include <cstring>

namespace sodate {

typedef float vfloat __attribute__((vector_size(64), aligned(4)));
constexpr int kLanes = 16;

#if defined(__AVX512F__)
// 24 accumulators of one zmm each, one for B, broadcasts folded into the FMAs: 25 of 32 registers.
constexpr int kTileRows = 24;
#else
// A 16-lane vector is two ymm (or four xmm) registers here: 6 rows keep 12 of 16 ymm busy.
constexpr int kTileRows = 6;
#endif

inline vfloat loadu(const float* p) {
  vfloat v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void storeTile(float* c, long ldc, const vfloat* acc, int rows, int cols, bool add) {
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
inline void fullTile(long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, int cols, bool add) {
  vfloat acc[kTileRows];
  for (int r = 0; r < kTileRows; r++) acc[r] = vfloat{};
  for (long k = 0; k < depth; k++) {
    const vfloat bk = loadu(b + k * ldb);
    const float* ak = a + k * lda;
#pragma GCC unroll 32
    for (int r = 0; r < kTileRows; r++) acc[r] += ak[r] * bk;
  }
  storeTile(c, ldc, acc, kTileRows, cols, add);
}

// The last rows of a matrix whose height is not a multiple of the tile.
inline void edgeTile(long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, int rows, int cols, bool add) {
  vfloat acc[kTileRows];
  for (int r = 0; r < rows; r++) acc[r] = vfloat{};
  for (long k = 0; k < depth; k++) {
    const vfloat bk = loadu(b + k * ldb);
    const float* ak = a + k * lda;
    for (int r = 0; r < rows; r++) acc[r] += ak[r] * bk;
  }
  storeTile(c, ldc, acc, rows, cols, add);
}

// B's rows must be readable to a multiple of 16 columns (pad with zeros where n is not one).
inline void gemm(long m, long n, long depth, const float* a, long lda, const float* b, long ldb, float* c, long ldc, bool add) {
  for (long j = 0; j < n; j += kLanes) {
    const int cols = static_cast<int>(std::min<long>(kLanes, n - j));
    long i = 0;
    for (; i + kTileRows <= m; i += kTileRows) fullTile(depth, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, cols, add);
    if (i < m) edgeTile(depth, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, static_cast<int>(m - i), cols, add);
  }
}

inline long roundUp(long x, long to) { return (x + to - 1) / to * to; }

}  // namespace sodate
