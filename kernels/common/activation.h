// The activations: one row each, the table every device family and every test reads, so the
// formulas cannot drift apart and adding one is one row here (and its ONNX name in the exporter).
// The CPU kernels (kernels/cpu/activation.cpp), the CUDA kernels (kernels/cuda/ops/activation.cu),
// the CPU and CUDA GEMM and conv epilogues (actfn::apply), the name table of engine/ops and the
// tests (kernels, gradients, CUDA against CPU) all iterate over HG_ACTIVATIONS.
//
// A row is a struct in actrow:: with
//   name                  what configs and flags call it
//   f(x, slope)           y = act(x); slope is leaky_relu's negative slope, unused by the others
//   through_output        whether grad reads the forward output y (true) or the input x (false)
//   grad(v, dy, slope)    dL/dx from dy, v being y or x as through_output says
//   has_deriv, deriv(y, slope)  f'(x) written through y (the exact Jacobian of an MLP needs it);
//                         has_deriv false where f' is not a function of y (softplus)
//   fusable               whether grad may be given y for v even when through_output is false
//                         (x > 0 exactly when y > 0: relu, leaky_relu): a GEMM or conv with the
//                         activation fused keeps only y, so only these rows may be fused
//   ref(x, slope)         the formula in double, for the tests
//
// Stability: sigmoid = 1 / (1 + e^-x) through fast_exp: 0 or 1 at the extremes, never NaN for a
// finite x, and branch-free so CPU loops over it vectorise. softplus = max(x, 0) + log1p(e^-|x|),
// finite for any x; softplus' = sigmoid. Products that feed an add are rounded on their own
// (mul_rn) so the GPU, where nvcc contracts to FMA, gives the CPU's bits.
#pragma once
#include <algorithm>
#include <cmath>

#include "kernels/common/fast_exp.h"
#include "kernels/common/host_device.h"

namespace hg::kernels {

// X(Row): every activation, in the enum's order.
#define HG_ACTIVATIONS(X) X(None) X(ReLU) X(LeakyReLU) X(Sigmoid) X(Tanh) X(Softplus)

#define HG_ACT_ENUM(Row) Row,
enum class Act { HG_ACTIVATIONS(HG_ACT_ENUM) };
#undef HG_ACT_ENUM

namespace actfn {

HG_HOST_DEVICE float sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

}  // namespace actfn

namespace actrow {

struct None {
  static constexpr const char* name = "none";
  static constexpr bool through_output = false, has_deriv = true, fusable = true;
  HG_HOST_DEVICE static float f(float x, float) { return x; }
  HG_HOST_DEVICE static float grad(float, float dy, float) { return dy; }
  HG_HOST_DEVICE static float deriv(float, float) { return 1.0f; }
  static double ref(double x, double) { return x; }
};

struct ReLU {
  static constexpr const char* name = "relu";
  static constexpr bool through_output = false, has_deriv = true, fusable = true;
  HG_HOST_DEVICE static float f(float x, float) { return x > 0.0f ? x : 0.0f; }
  HG_HOST_DEVICE static float grad(float x, float dy, float) { return x > 0.0f ? dy : 0.0f; }
  HG_HOST_DEVICE static float deriv(float y, float) { return y > 0.0f ? 1.0f : 0.0f; }
  static double ref(double x, double) { return x > 0 ? x : 0; }
};

struct LeakyReLU {
  static constexpr const char* name = "leaky_relu";
  static constexpr bool through_output = false, has_deriv = true, fusable = true;
  HG_HOST_DEVICE static float f(float x, float slope) { return x > 0.0f ? x : slope * x; }
  HG_HOST_DEVICE static float grad(float x, float dy, float slope) {
    return x > 0.0f ? dy : slope * dy;
  }
  HG_HOST_DEVICE static float deriv(float y, float slope) { return y > 0.0f ? 1.0f : slope; }
  static double ref(double x, double slope) { return x > 0 ? x : slope * x; }
};

struct Sigmoid {
  static constexpr const char* name = "sigmoid";
  static constexpr bool through_output = true, has_deriv = true, fusable = true;
  HG_HOST_DEVICE static float f(float x, float) { return actfn::sigmoid(x); }
  HG_HOST_DEVICE static float grad(float y, float dy, float) { return mul_rn(dy, y) * (1.0f - y); }
  HG_HOST_DEVICE static float deriv(float y, float) { return y * (1.0f - y); }
  static double ref(double x, double) { return 1.0 / (1.0 + std::exp(-x)); }
};

struct Tanh {
  static constexpr const char* name = "tanh";
  static constexpr bool through_output = true, has_deriv = true, fusable = true;
  HG_HOST_DEVICE static float f(float x, float) { return ::tanhf(x); }
  HG_HOST_DEVICE static float grad(float y, float dy, float) { return dy * (1.0f - mul_rn(y, y)); }
  HG_HOST_DEVICE static float deriv(float y, float) { return 1.0f - mul_rn(y, y); }
  static double ref(double x, double) { return std::tanh(x); }
};

struct Softplus {
  static constexpr const char* name = "softplus";
  static constexpr bool through_output = false, has_deriv = false, fusable = false;
  HG_HOST_DEVICE static float f(float x, float) {
    return (x < 0.0f ? 0.0f : x) + ::log1pf(::expf(-::fabsf(x)));  // std::max(x, 0)'s NaN rule
  }
  HG_HOST_DEVICE static float grad(float x, float dy, float) { return dy * actfn::sigmoid(x); }
  HG_HOST_DEVICE static float deriv(float, float) { return 0.0f; }  // never called: has_deriv
  static double ref(double x, double) {
    return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0);
  }
};

}  // namespace actrow

// Calls fn(Row{}) with the row of `a`, so a kernel is written once as a template over the row
// and the switch on the kind happens once, outside its loop (host code).
template <class Fn>
decltype(auto) visit_act(Act a, Fn&& fn) {
  switch (a) {
#define HG_ACT_VISIT(Row) \
  case Act::Row: return fn(actrow::Row{});
    HG_ACTIVATIONS(HG_ACT_VISIT)
#undef HG_ACT_VISIT
  }
  return fn(actrow::None{});
}

#define HG_ACT_LIST(Row) Act::Row,
inline constexpr Act kActivations[] = {HG_ACTIVATIONS(HG_ACT_LIST)};
#undef HG_ACT_LIST

// Whether a GEMM or convolution may fuse the activation (the row's `fusable`).
inline bool act_fusable(Act a) {
  return visit_act(a, [](auto row) { return decltype(row)::fusable; });
}

// Whether f' of `a` can be written through its output (the row's has_deriv).
inline bool act_has_deriv(Act a) {
  return visit_act(a, [](auto row) { return decltype(row)::has_deriv; });
}

// The row's formula in double (tests).
inline double act_ref(Act a, double x, double slope) {
  return visit_act(a, [&](auto row) { return decltype(row)::ref(x, slope); });
}

namespace actfn {

// The activation picked at run time, per element, for the GEMM and conv epilogues (on either
// device). slope: LeakyReLU's negative slope.
HG_HOST_DEVICE float apply(Act a, float x, float slope) {
  switch (a) {
#define HG_ACT_APPLY(Row) \
  case Act::Row: return actrow::Row::f(x, slope);
    HG_ACTIVATIONS(HG_ACT_APPLY)
#undef HG_ACT_APPLY
  }
  return x;
}

}  // namespace actfn
}  // namespace hg::kernels
