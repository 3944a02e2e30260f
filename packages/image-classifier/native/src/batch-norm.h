// Training-mode batch norm over channels-last data (rows × channels), forward and gradient in
// one pass each, instead of the dozens of small tensor ops the same math takes in tfjs.
#pragma once

namespace sodate {

// y = γ·(x − μ)/√(σ² + ε) + β with the batch mean μ and biased variance σ² (also returned).
void batchNormForward(long rows, long channels, const float* x, const float* gamma, const float* beta, float epsilon, float* y, float* mean,
                      float* variance);

// dx, dγ, dβ of Σ y·dy, from the forward pass's x, μ and σ².
void batchNormBackward(long rows, long channels, const float* dy, const float* x, const float* gamma, const float* mean, const float* variance,
                       float epsilon, float* dx, float* dgamma, float* dbeta);

}  // namespace sodate
