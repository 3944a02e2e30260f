// Convolutions over NHWC images with HWIO filters, as im2col + GEMM in row chunks that stay in
// cache: the forward pass and the two gradients that training needs.
#pragma once

namespace sodate {

struct ConvGeometry {
  long batch, inH, inW, inC;
  long outH, outW, outC;
  long kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft;

  long rows() const { return batch * outH * outW; }
  long depth() const { return kH * kW * inC; }
};

// y[b, oh, ow, co] = Σ x[b, oh·sh + kh·dh − padTop, ow·sw + kw·dw − padLeft, ci] · w[kh, kw, ci, co]
void convForward(const ConvGeometry& g, const float* x, const float* w, float* y);
// dx = ∂/∂x of Σ y·dy (dx is overwritten).
void convBackpropInput(const ConvGeometry& g, const float* dy, const float* w, float* dx);
// dw = ∂/∂w of Σ y·dy (dw is overwritten).
void convBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

}  // namespace sodate
