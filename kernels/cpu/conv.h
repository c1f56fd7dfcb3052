// CPU convolution kernels (host memory, NCHW, fp32; geometry and layouts in conv_shape.h).
// Three passes, each with two implementations selected by `algo`:
//   "im2col" - unfold the input patch matrix and call the CPU GEMM (kernels/cpu/gemm.h);
//   "direct" - loops over the filter taps without a patch matrix (wins for tiny channel counts);
//   "" / "auto" - the default: by shape and pass (direct for the backward passes when C/G*R*S is
//                 small, e.g. a 1-channel 3x3 layer; im2col otherwise; see conv.cpp).
// Outputs are write-only (beta = 0: old contents, NaN included, are ignored). Uses the pool from
// parallel.h; results do not depend on the thread count beyond fp32 summation order.
#pragma once
#include <cstdint>
#include <string>

#include "kernels/common/conv_shape.h"
#include "kernels/cpu/activation.h"

namespace hg::kernels::cpu {

// y = act(conv(x, w) + bias). bias nullable.
void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                    Act act = Act::None, float alpha = 0.01f, const std::string& algo = "");
// dx = conv^T(dy, w): the gradient with respect to x.
void conv2d_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx,
                          const std::string& algo = "");
// dw = sum over the batch of dy (x) patches; dbias[k] = sum of dy over n, p, q (dbias nullable).
void conv2d_backward_weight(const ConvShape& s, const float* x, const float* dy, float* dw,
                            float* dbias, const std::string& algo = "");

// Straightforward loops with double accumulation: the references the tests compare against.
void conv2d_forward_reference(const ConvShape& s, const float* x, const float* w, const float* bias,
                              float* y);
void conv2d_backward_data_reference(const ConvShape& s, const float* dy, const float* w, float* dx);
void conv2d_backward_weight_reference(const ConvShape& s, const float* x, const float* dy,
                                      float* dw, float* dbias);

// im2col for one image and one group: cols[(c*R + r)*S + s_, p*Q + q] = x[c, p*sh - ph + r*dh, ...]
// (zero outside the image). cols is [C/G*R*S, P*Q]. col2im accumulates the transpose into x
// (x must be zeroed by the caller). Exposed for the tests and for the CUDA reference path.
void im2col(const ConvShape& s, const float* x_image_group, float* cols);
void col2im(const ConvShape& s, const float* cols, float* x_image_group);

}  // namespace hg::kernels::cpu
