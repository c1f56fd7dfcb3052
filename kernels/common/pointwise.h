// The pointwise op table: every unary and binary elementwise op of Hourglass that is not an
// activation, declared once. A row is a struct with
//   name            the op's name, in messages and test names (the list below also gives the name
//                   of its function in ops::, which engine/ops/ops.h declares for every row),
//   f               y = f(x) or f(a, b), in fp32, the one formula the CPU loop, the CUDA kernel and
//                   every test and benchmark use;
//   ref             the same in double, the reference of the gradient check;
//   lo, hi          the input range the checks draw from (log needs x > 0, div b away from 0),
// and, for a unary op, its derivative
//   df(x, y, g)     dL/dx from the input x, the output y and the incoming gradient g,
// evaluated in the same single pass as a fused backward kernel. A binary op's backward is written
// with other ops (engine/ops/pointwise.cpp), one line per input.
//
// Adding an op is adding a row here and its name to HG_UNARY_OPS or HG_BINARY_OPS: the CPU kernel
// (kernels/cpu/pointwise.cpp), the CUDA kernel (kernels/cuda/ops/pointwise.cu), the engine op,
// the gradient check, the CUDA-vs-CPU check and the bandwidth benchmark all iterate over the lists.
//
// Cost: each is one pass over memory, 8 B per element (unary) or 12 B (binary, unary backward),
// 0-1 FLOPs or one libm call: bound by memory bandwidth except exp/log/div on cached data.
#pragma once
#include <cmath>

#include "kernels/common/host_device.h"

namespace hg::kernels::pointwise {

// ---- unary: y = f(x), dx = df(x, y, g)
// -----------------------------------------------------------
struct Abs {
  static constexpr const char* name = "abs";
  static constexpr double lo = -2.0, hi = 2.0;
  HG_HOST_DEVICE static float f(float x) { return ::fabsf(x); }
  // sign(x) g, with sign(0) = 0: the subgradient at the kink that keeps L1 penalties sparse.
  HG_HOST_DEVICE static float df(float x, float, float g) {
    return x > 0.0f ? g : (x < 0.0f ? -g : 0.0f);
  }
  static double ref(double x) { return std::fabs(x); }
};

struct Exp {
  static constexpr const char* name = "exp";
  static constexpr double lo = -3.0, hi = 3.0;
  HG_HOST_DEVICE static float f(float x) { return ::expf(x); }
  HG_HOST_DEVICE static float df(float, float y, float g) { return g * y; }
  static double ref(double x) { return std::exp(x); }
};

struct Log {
  static constexpr const char* name = "log";
  static constexpr double lo = 0.2, hi = 3.0;
  HG_HOST_DEVICE static float f(float x) { return ::logf(x); }
  HG_HOST_DEVICE static float df(float x, float, float g) { return g / x; }
  static double ref(double x) { return std::log(x); }
};

struct Neg {
  static constexpr const char* name = "neg";
  static constexpr double lo = -2.0, hi = 2.0;
  HG_HOST_DEVICE static float f(float x) { return -x; }
  HG_HOST_DEVICE static float df(float, float, float g) { return -g; }
  static double ref(double x) { return -x; }
};

struct Sqrt {
  static constexpr const char* name = "sqrt";
  static constexpr double lo = 0.2, hi = 3.0;
  HG_HOST_DEVICE static float f(float x) { return ::sqrtf(x); }
  HG_HOST_DEVICE static float df(float, float y, float g) { return g / (2.0f * y); }
  static double ref(double x) { return std::sqrt(x); }
};

// ---- binary: y = f(a, b)
// -------------------------------------------------------------------------
struct Add {
  static constexpr const char* name = "add";
  static constexpr double lo = -2.0, hi = 2.0;
  HG_HOST_DEVICE static float f(float a, float b) { return a + b; }
  static double ref(double a, double b) { return a + b; }
};

struct Sub {
  static constexpr const char* name = "sub";
  static constexpr double lo = -2.0, hi = 2.0;
  HG_HOST_DEVICE static float f(float a, float b) { return a - b; }
  static double ref(double a, double b) { return a - b; }
};

struct Mul {
  static constexpr const char* name = "mul";
  static constexpr double lo = -2.0, hi = 2.0;
  HG_HOST_DEVICE static float f(float a, float b) { return a * b; }
  static double ref(double a, double b) { return a * b; }
};

struct Div {
  static constexpr const char* name = "div";
  static constexpr double lo = 0.5, hi = 2.0;  // b stays away from 0
  HG_HOST_DEVICE static float f(float a, float b) { return a / b; }
  static double ref(double a, double b) { return a / b; }
};

// The lists every family iterates over: X(Row, name in ops::) per op.
#define HG_UNARY_OPS(X) X(Abs, abs) X(Exp, exp) X(Log, log) X(Neg, neg) X(Sqrt, sqrt)
#define HG_BINARY_OPS(X) X(Add, add) X(Sub, sub) X(Mul, mul) X(Div, div)

}  // namespace hg::kernels::pointwise
