#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"

namespace sodate {
namespace {

// Rows per chunk: the im2col block of a chunk (rows × depth floats) stays near 256 KiB, in L2;
// a multiple of 24, so that every GEMM tile height divides it.
long chunkRows(long depth) {
  const long rows = (64 * 1024) / std::max<long>(depth, 1);
  return std::clamp<long>(rows / 24 * 24, 48L, 960L);
}

// Scratch buffers reused across calls (one trainer runs per thread).
float* scratch(std::vector<float>& buffer, long size) {
  if (static_cast<long>(buffer.size()) < size) buffer.resize(size);
  return buffer.data();
}
thread_local std::vector<float> bufferA, bufferB, bufferC;

// Walks the output pixels of rows [first, first + count) and, for each, the filter taps that
// land inside the image: visit(localRow, tapColumn, inputPixelOffset).
template <typename Visit>
void forEachTap(const ConvGeometry& g, long first, long count, Visit visit) {
  long ow = first % g.outW;
  long oh = (first / g.outW) % g.outH;
  long b = first / (g.outW * g.outH);
  for (long r = 0; r < count; r++) {
    for (long kh = 0; kh < g.kH; kh++) {
      const long ih = oh * g.strideH + kh * g.dilationH - g.padTop;
      if (ih < 0 || ih >= g.inH) continue;
      for (long kw = 0; kw < g.kW; kw++) {
        const long iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
        if (iw < 0 || iw >= g.inW) continue;
        visit(r, (kh * g.kW + kw) * g.inC, ((b * g.inH + ih) * g.inW + iw) * g.inC);
      }
    }
    if (++ow == g.outW) {
      ow = 0;
      if (++oh == g.outH) oh = 0, b++;
    }
  }
}

// B operands must have rows of a multiple of 16 floats; copy when `cols` is not one.
const float* paddedRows(const float* src, long rows, long cols, long* ld, std::vector<float>& buffer) {
  if (cols % kLanes == 0) {
    *ld = cols;
    return src;
  }
  *ld = roundUp(cols, kLanes);
  float* out = scratch(buffer, rows * *ld);
  for (long r = 0; r < rows; r++) {
    std::memcpy(out + r * *ld, src + r * cols, cols * sizeof(float));
    std::fill(out + r * *ld + cols, out + (r + 1) * *ld, 0.0f);
  }
  return out;
}

}  // namespace

SODATE_MULTIVERSION void convForward(const ConvGeometry& g, const float* x, const float* w, float* y) {
  const long depth = g.depth(), rows = g.rows(), chunk = chunkRows(depth);
  long ldw;
  const float* weights = paddedRows(w, depth, g.outC, &ldw, bufferB);
  // The chunk's patches, depth-major (patch[k·chunk + r]), so a tile broadcasts at fixed offsets.
  float* patches = scratch(bufferA, depth * chunk);
  for (long first = 0; first < rows; first += chunk) {
    const long count = std::min(chunk, rows - first);
    for (long k = 0; k < depth; k++) std::fill(patches + k * chunk, patches + k * chunk + count, 0.0f);
    forEachTap(g, first, count, [&](long r, long column, long pixel) {
      for (long c = 0; c < g.inC; c++) patches[(column + c) * chunk + r] = x[pixel + c];
    });
    gemm(count, g.outC, depth, patches, chunk, weights, ldw, y + first * g.outC, g.outC, false);
  }
}

SODATE_MULTIVERSION void convBackpropInput(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  const long depth = g.depth(), rows = g.rows(), chunk = chunkRows(depth);
  const long ldt = roundUp(depth, kLanes);
  // wT[co][k] = w[k][co]: the patch gradient of a row is dy[row, :] · wᵀ.
  float* wT = scratch(bufferB, g.outC * ldt);
  for (long co = 0; co < g.outC; co++) {
    for (long k = 0; k < depth; k++) wT[co * ldt + k] = w[k * g.outC + co];
    std::fill(wT + co * ldt + depth, wT + (co + 1) * ldt, 0.0f);
  }
  float* dyT = scratch(bufferA, g.outC * chunk);
  float* patchGrad = scratch(bufferC, chunk * ldt);
  std::fill(dx, dx + g.batch * g.inH * g.inW * g.inC, 0.0f);
  for (long first = 0; first < rows; first += chunk) {
    const long count = std::min(chunk, rows - first);
    for (long r = 0; r < count; r++)
      for (long co = 0; co < g.outC; co++) dyT[co * chunk + r] = dy[(first + r) * g.outC + co];
    gemm(count, depth, g.outC, dyT, chunk, wT, ldt, patchGrad, ldt, false);
    // col2im: every tap adds its slice of the patch gradient back to the pixel it read.
    forEachTap(g, first, count, [&](long r, long column, long pixel) {
      const float* src = patchGrad + r * ldt + column;
      float* dst = dx + pixel;
      for (long c = 0; c < g.inC; c++) dst[c] += src[c];
    });
  }
}

SODATE_MULTIVERSION void convBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const long depth = g.depth(), rows = g.rows(), chunk = chunkRows(depth);
  // Row-major patches (patch[r·depth + k]): read as Aᵀ, dw[k, :] += Σ_r patch[r, k] · dy[r, :].
  float* patches = scratch(bufferA, chunk * depth);
  std::fill(dw, dw + depth * g.outC, 0.0f);
  for (long first = 0; first < rows; first += chunk) {
    const long count = std::min(chunk, rows - first);
    std::fill(patches, patches + count * depth, 0.0f);
    forEachTap(g, first, count, [&](long r, long column, long pixel) {
      std::memcpy(patches + r * depth + column, x + pixel, g.inC * sizeof(float));
    });
    long ldy;
    const float* grad = paddedRows(dy + first * g.outC, count, g.outC, &ldy, bufferB);
    gemm(depth, g.outC, count, patches, depth, grad, ldy, dw, g.outC, true);
  }
}

}  // namespace sodate
