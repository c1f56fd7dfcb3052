// Counter-based noise: randn and corrupt (denoising autoencoders), and the "kind:value" noise
// specs. Nothing here is recorded on the tape: the outputs are constants to autograd.
#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <string>

#include "engine/ops/device_kernels.h"
#include "engine/ops/dispatch.h"
#include "engine/ops/ops.h"

namespace hg::ops {

Tensor randn(const Shape& shape, Device device, uint64_t seed) {
  for (int64_t d : shape)
    if (d < 0) throw Error("randn: negative size in shape " + shape_str(shape));
  const Device dev = device;
  Tensor y = Tensor::empty(shape, device);
  dk::randn(dev, y.data(), y.numel(), seed);
  return y;
}

std::string noise_name(Noise kind) {
  switch (kind) {
    case Noise::Gaussian: return "gaussian";
    case Noise::SaltPepper: return "saltpepper";
    case Noise::Mask: return "mask";
  }
  return "gaussian";
}

Noise parse_noise(const std::string& spec, float* param) {
  auto bad = [&](const std::string& why) -> UsageError {
    return UsageError("noise '" + spec + "': " + why +
                      " (expected gaussian:SIGMA, saltpepper:P or mask:P)");
  };
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) throw bad("no ':' before the parameter");
  const std::string name = spec.substr(0, colon), num = spec.substr(colon + 1);
  Noise kind;
  if (name == "gaussian") {
    kind = Noise::Gaussian;
  } else if (name == "saltpepper") {
    kind = Noise::SaltPepper;
  } else if (name == "mask") {
    kind = Noise::Mask;
  } else {
    throw bad("unknown kind '" + name + "'");
  }
  // The whole rest must be one number (strtod: no locale-dependent stream parsing).
  if (num.empty() || std::isspace(static_cast<unsigned char>(num[0])))
    throw bad("the parameter is not a number");
  char* end = nullptr;
  const double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) throw bad("the parameter is not a number");
  if (!std::isfinite(v) || std::fabs(v) > FLT_MAX) throw bad("the parameter must be finite");
  if (kind == Noise::Gaussian && v < 0) throw bad("sigma must be >= 0");
  if (kind != Noise::Gaussian && !(v >= 0 && v <= 1))
    throw bad("the probability must be in [0, 1]");
  if (param) *param = static_cast<float>(v);
  return kind;
}

Tensor corrupt(const Tensor& x, Noise kind, float param, uint64_t seed, bool clip01) {
  const char* op = "corrupt";
  detail::check_defined(op, x, "input");
  kernels::check_noise_param(kind, param);
  const Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), x.device());  // a fresh leaf: never requires grad
  dk::corrupt(dev, kind, x.data(), y.data(), x.numel(), param, seed, clip01);
  return y;
}

}  // namespace hg::ops
