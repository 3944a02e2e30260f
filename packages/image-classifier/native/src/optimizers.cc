#include "optimizers.h"

#include <cmath>

#include "gemm.h"

namespace sodate {

SODATE_MULTIVERSION void adamwUpdate(long n, float* w, const float* g, float* m, float* v, double beta1, double beta2, double stepSize, double c2, double eps,
                                     double keep) {
  for (long i = 0; i < n; i++) {
    const double gi = g[i];
    const double mi = beta1 * m[i] + (1 - beta1) * gi;
    const double vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    w[i] = static_cast<float>(w[i] * keep - stepSize * mi / (std::sqrt(vi) / c2 + eps));
  }
}

SODATE_MULTIVERSION void sgdUpdate(long n, float* w, const float* g, float* b, double lr, double momentum, double weightDecay, bool nesterov, bool first) {
  for (long i = 0; i < n; i++) {
    const double gi = g[i] + weightDecay * w[i];
    if (momentum == 0) {
      w[i] = static_cast<float>(w[i] - lr * gi);
      continue;
    }
    const double bi = first ? gi : momentum * b[i] + gi;
    b[i] = static_cast<float>(bi);
    w[i] = static_cast<float>(w[i] - lr * (nesterov ? gi + momentum * bi : bi));
  }
}

SODATE_MULTIVERSION void emaUpdate(long n, float* shadow, const float* values, double decay) {
  for (long i = 0; i < n; i++) shadow[i] = static_cast<float>(decay * shadow[i] + (1 - decay) * values[i]);
}

}  // namespace sodate
