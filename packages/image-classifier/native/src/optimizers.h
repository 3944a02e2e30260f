// Optimizer and weight-averaging updates over Float32Arrays, in double like the JavaScript
// versions they replace (src/optimizers.ts, ema.ts), vectorised.
#pragma once

namespace sodate {

// AdamW, as torch.optim.AdamW: m, v ← moments; w ← w·keep − stepSize·m/(√v/c2 + eps).
void adamwUpdate(long n, float* w, const float* g, float* m, float* v, double beta1, double beta2, double stepSize, double c2, double eps, double keep);

// SGD, as torch.optim.SGD: g ← g + wd·w; b ← μ·b + g (g at the first step); w ← w − lr·(Nesterov ? g + μ·b : b).
void sgdUpdate(long n, float* w, const float* g, float* b, double lr, double momentum, double weightDecay, bool nesterov, bool first);

// shadow ← d·shadow + (1 − d)·values
void emaUpdate(long n, float* shadow, const float* values, double decay);

}  // namespace sodate
