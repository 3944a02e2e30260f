#include "batch-norm.h"

#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sodate {

SODATE_MULTIVERSION void batchNormForward(long rows, long channels, const float* x, const float* gamma, const float* beta, float epsilon, float* y, float* mean,
                      float* variance) {
  // Sums in double: a single pass over a large batch would lose the variance to cancellation in float.
  std::vector<double> sum(channels, 0.0), squares(channels, 0.0);
  for (long r = 0; r < rows; r++) {
    const float* row = x + r * channels;
    for (long c = 0; c < channels; c++) {
      sum[c] += row[c];
      squares[c] += static_cast<double>(row[c]) * row[c];
    }
  }
  std::vector<float> scale(channels), shift(channels);
  for (long c = 0; c < channels; c++) {
    const double mu = sum[c] / rows;
    const double sigma2 = std::max(0.0, squares[c] / rows - mu * mu);
    mean[c] = static_cast<float>(mu);
    variance[c] = static_cast<float>(sigma2);
    const double a = gamma[c] / std::sqrt(sigma2 + epsilon);
    scale[c] = static_cast<float>(a);
    shift[c] = static_cast<float>(beta[c] - mu * a);
  }
  for (long r = 0; r < rows; r++) {
    const float* in = x + r * channels;
    float* out = y + r * channels;
    for (long c = 0; c < channels; c++) out[c] = in[c] * scale[c] + shift[c];
  }
}

// With x̂ = (x − μ)·s, s = 1/√(σ² + ε), a = γ·s:
//   dβ = Σ dy,  dγ = Σ dy·x̂ = s·(Σ dy·x − μ·dβ),  dx = a·(dy − dβ/N − x̂·dγ/N)
SODATE_MULTIVERSION void batchNormBackward(long rows, long channels, const float* dy, const float* x, const float* gamma, const float* mean, const float* variance,
                       float epsilon, float* dx, float* dgamma, float* dbeta) {
  std::vector<double> sumDy(channels, 0.0), sumDyX(channels, 0.0);
  for (long r = 0; r < rows; r++) {
    const float* g = dy + r * channels;
    const float* in = x + r * channels;
    for (long c = 0; c < channels; c++) {
      sumDy[c] += g[c];
      sumDyX[c] += static_cast<double>(g[c]) * in[c];
    }
  }
  std::vector<float> dyScale(channels), xScale(channels), constant(channels);
  for (long c = 0; c < channels; c++) {
    const double s = 1.0 / std::sqrt(static_cast<double>(variance[c]) + epsilon);
    const double a = gamma[c] * s;
    const double dg = s * (sumDyX[c] - mean[c] * sumDy[c]);
    dgamma[c] = static_cast<float>(dg);
    dbeta[c] = static_cast<float>(sumDy[c]);
    // dx = dy·a + x·(−a·s·dγ/N) + a·(μ·s·dγ − dβ)/N
    dyScale[c] = static_cast<float>(a);
    xScale[c] = static_cast<float>(-a * s * dg / rows);
    constant[c] = static_cast<float>(a * (mean[c] * s * dg - sumDy[c]) / rows);
  }
  for (long r = 0; r < rows; r++) {
    const float* g = dy + r * channels;
    const float* in = x + r * channels;
    float* out = dx + r * channels;
    for (long c = 0; c < channels; c++) out[c] = g[c] * dyScale[c] + in[c] * xScale[c] + constant[c];
  }
}

}  // namespace sodate
