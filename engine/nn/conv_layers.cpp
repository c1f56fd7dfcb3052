#include "engine/nn/conv_layers.h"

#include <cmath>
#include <cstdio>

#include "engine/util/error.h"

namespace hg::nn {

namespace {

// PyTorch prints a pair as a single number when both entries agree in some places and as a
// tuple in others; we print "(h, w)" for convolution sizes, as nn.Conv2d does.
std::string pair_str(Size2 v) {
  return "(" + std::to_string(v.h) + ", " + std::to_string(v.w) + ")";
}
std::string short_str(Size2 v) { return v.h == v.w ? std::to_string(v.h) : pair_str(v); }

std::string float_str(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// Weight [d0, d1, kh, kw] (fan_in = d1·kh·kw, fan_out = d0·kh·kw, as torch.nn.init computes them)
// and bias [bias_n] initialised by `init`.
void init_conv(Init init, Rng& rng, int64_t d0, int64_t d1, Size2 k, std::vector<float>& w,
               std::vector<float>& b) {
  init_weights(init, rng, double(d1 * k.h * k.w), double(d0 * k.h * k.w), w, b);
}

void check_conv_args(const char* layer, int64_t in, int64_t out, Size2 kernel,
                     const ConvOptions& o) {
  if (in <= 0 || out <= 0)
    throw Error(std::string(layer) + ": channel counts must be positive, got " +
                std::to_string(in) + " -> " + std::to_string(out));
  if (kernel.h <= 0 || kernel.w <= 0)
    throw Error(std::string(layer) + ": kernel size must be positive, got " + pair_str(kernel));
  if (o.groups <= 0 || in % o.groups != 0 || out % o.groups != 0)
    throw Error(std::string(layer) + ": groups " + std::to_string(o.groups) +
                " must divide the input (" + std::to_string(in) + ") and output (" +
                std::to_string(out) + ") channels");
}

std::string conv_describe(const char* layer, int64_t in, int64_t out, Size2 kernel,
                          const ConvOptions& o, bool transposed, bool bias) {
  std::string s = std::string(layer) + "(" + std::to_string(in) + ", " + std::to_string(out) +
                  ", kernel_size=" + pair_str(kernel) + ", stride=" + pair_str(o.stride);
  if (o.padding != Size2(0)) s += ", padding=" + pair_str(o.padding);
  if (transposed && o.output_padding != Size2(0))
    s += ", output_padding=" + pair_str(o.output_padding);
  if (o.dilation != Size2(1)) s += ", dilation=" + pair_str(o.dilation);
  if (o.groups != 1) s += ", groups=" + std::to_string(o.groups);
  if (!bias) s += ", bias=False";
  if (o.act != ops::Act::None) s += ", " + ops::act_name(o.act);
  return s + ")";
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

// ---- Conv2d
// ---------------------------------------------------------------------------------------

Conv2d::Conv2d(int64_t in, int64_t out, Size2 kernel, Rng& rng, const ConvOptions& opt)
    : in_(in), out_(out), kernel_(kernel), opt_(opt) {
  check_conv_args("Conv2d", in, out, kernel, opt);
  if (!ops::act_fusable(opt.act))
    throw Error("Conv2d: " + ops::act_name(opt.act) + " cannot be fused");
  std::vector<float> w(static_cast<size_t>(out * (in / opt.groups) * kernel.h * kernel.w));
  std::vector<float> b(static_cast<size_t>(out), 0.0f);
  init_conv(opt.init, rng, out, in / opt.groups, kernel, w, b);
  weight_ = register_parameter("weight",
                               Tensor::from_vector({out, in / opt.groups, kernel.h, kernel.w}, w));
  if (opt.bias) bias_ = register_parameter("bias", Tensor::from_vector({out}, b));
}

Tensor Conv2d::forward(const Tensor& x) {
  return ops::conv2d(x, weight_, bias_, opt_.stride, opt_.padding, opt_.dilation, opt_.groups,
                     opt_.act, opt_.alpha);
}

std::string Conv2d::describe() const {
  return conv_describe("Conv2d", in_, out_, kernel_, opt_, false, bias_.defined());
}

// ---- ConvTranspose2d
// --------------------------------------------------------------------------------

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, Size2 kernel, Rng& rng,
                                 const ConvOptions& opt)
    : in_(in), out_(out), kernel_(kernel), opt_(opt) {
  check_conv_args("ConvTranspose2d", in, out, kernel, opt);
  if (opt.output_padding.h < 0 || opt.output_padding.w < 0 ||
      opt.output_padding.h >= opt.stride.h || opt.output_padding.w >= opt.stride.w)
    throw Error("ConvTranspose2d: output_padding " + pair_str(opt.output_padding) +
                " must be non-negative and smaller than the stride " + pair_str(opt.stride));
  std::vector<float> w(static_cast<size_t>(in * (out / opt.groups) * kernel.h * kernel.w));
  std::vector<float> b(static_cast<size_t>(out), 0.0f);
  init_conv(opt.init, rng, in, out / opt.groups, kernel, w, b);
  weight_ = register_parameter("weight",
                               Tensor::from_vector({in, out / opt.groups, kernel.h, kernel.w}, w));
  if (opt.bias) bias_ = register_parameter("bias", Tensor::from_vector({out}, b));
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  Tensor y = ops::conv_transpose2d(x, weight_, bias_, opt_.stride, opt_.padding,
                                   opt_.output_padding, opt_.dilation, opt_.groups);
  return opt_.act == ops::Act::None ? y : ops::activation(y, opt_.act, opt_.alpha);
}

std::string ConvTranspose2d::describe() const {
  return conv_describe("ConvTranspose2d", in_, out_, kernel_, opt_, true, bias_.defined());
}

// ---- pooling and upsampling
// -------------------------------------------------------------------------

MaxPool2d::MaxPool2d(Size2 kernel, Size2 stride, Size2 padding)
    : kernel_(kernel), stride_(stride == Size2(0) ? kernel : stride), padding_(padding) {
  if (kernel.h <= 0 || kernel.w <= 0)
    throw Error("MaxPool2d: kernel size must be positive, got " + pair_str(kernel));
}

std::string MaxPool2d::describe() const {
  return "MaxPool2d(kernel_size=" + short_str(kernel_) + ", stride=" + short_str(stride_) +
         ", padding=" + short_str(padding_) + ")";
}

AvgPool2d::AvgPool2d(Size2 kernel, Size2 stride, Size2 padding)
    : kernel_(kernel), stride_(stride == Size2(0) ? kernel : stride), padding_(padding) {
  if (kernel.h <= 0 || kernel.w <= 0)
    throw Error("AvgPool2d: kernel size must be positive, got " + pair_str(kernel));
}

std::string AvgPool2d::describe() const {
  return "AvgPool2d(kernel_size=" + short_str(kernel_) + ", stride=" + short_str(stride_) +
         ", padding=" + short_str(padding_) + ")";
}

Upsample::Upsample(Size2 scale) : scale_(scale) {
  if (scale.h <= 0 || scale.w <= 0)
    throw Error("Upsample: scale factors must be positive integers, got " + pair_str(scale));
}

std::string Upsample::describe() const {
  const std::string f = scale_.h == scale_.w ? float_str(double(scale_.h))
                                             : "(" + float_str(double(scale_.h)) + ", " +
                                                   float_str(double(scale_.w)) + ")";
  return "Upsample(scale_factor=" + f + ", mode='nearest')";
}

// ---- BatchNorm2d
// ------------------------------------------------------------------------------------

BatchNorm2d::BatchNorm2d(int64_t channels, float eps, float momentum, bool affine)
    : channels_(channels), eps_(eps), momentum_(momentum) {
  if (channels <= 0)
    throw Error("BatchNorm2d: the channel count must be positive, got " + std::to_string(channels));
  if (!(eps > 0.0f)) throw Error("BatchNorm2d: eps must be positive");
  if (!(momentum >= 0.0f && momentum <= 1.0f))
    throw Error("BatchNorm2d: momentum must be in [0, 1]");
  if (affine) {
    weight_ = register_parameter("weight", Tensor::full({channels}, 1.0f));
    bias_ = register_parameter("bias", Tensor::zeros({channels}));
  }
  running_mean_ = register_buffer("running_mean", Tensor::zeros({channels}));
  running_var_ = register_buffer("running_var", Tensor::full({channels}, 1.0f));
  num_batches_ = register_buffer("num_batches_tracked", Tensor::zeros({}));
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  if (x.defined() && x.ndim() >= 2 && x.size(1) != channels_)
    throw Error("BatchNorm2d(" + std::to_string(channels_) + "): input has " +
                std::to_string(x.size(1)) + " channels (shape " + shape_str(x.shape()) + ")");
  Tensor y = ops::batch_norm(x, weight_, bias_, running_mean_, running_var_, is_training(),
                             momentum_, eps_);
  if (is_training()) {  // counted on the buffer's device: no host round trip
    Tensor one = Tensor::full({}, 1.0f, num_batches_.device());
    ops::add_(num_batches_, one);
  }
  return y;
}

std::string BatchNorm2d::describe() const {
  return "BatchNorm2d(" + std::to_string(channels_) + ", eps=" + float_str(eps_) +
         ", momentum=" + float_str(momentum_) +
         ", affine=" + (weight_.defined() ? "True" : "False") + ", track_running_stats=True)";
}

// ---- Dropout
// -----------------------------------------------------------------------------------------

Dropout::Dropout(float p, uint64_t seed) : p_(p), seed_(seed) {
  if (!(p >= 0.0f && p < 1.0f))
    throw Error("Dropout: probability p must be in [0, 1), got " + std::to_string(p));
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training() || p_ == 0.0f) return x;
  const uint64_t call_seed = splitmix64(seed_ ^ splitmix64(calls_++));
  return ops::dropout(x, p_, true, call_seed);
}

std::string Dropout::describe() const { return "Dropout(p=" + float_str(p_) + ")"; }

// ---- GaussianNoise
// -----------------------------------------------------------------------------------

GaussianNoise::GaussianNoise(float sigma, uint64_t seed) : sigma_(sigma), seed_(seed) {
  if (!(sigma >= 0.0f && std::isfinite(sigma)))
    throw Error("GaussianNoise: sigma must be finite and >= 0, got " + std::to_string(sigma));
}

Tensor GaussianNoise::forward(const Tensor& x) {
  if (!is_training() || sigma_ == 0.0f) return x;
  const uint64_t call_seed = splitmix64(seed_ ^ splitmix64(calls_++));
  return ops::add(x, ops::mul_scalar(ops::randn(x.shape(), x.device(), call_seed), sigma_));
}

std::string GaussianNoise::describe() const {
  return "GaussianNoise(sigma=" + float_str(sigma_) + ")";
}

// ---- views
// ---------------------------------------------------------------------------------------------

std::string Flatten::describe() const {
  return "Flatten(start_dim=" + std::to_string(start_dim_) + ", end_dim=-1)";
}

std::string Unflatten::describe() const {
  std::string s = "Unflatten(dim=" + std::to_string(dim_) + ", unflattened_size=(";
  for (size_t i = 0; i < sizes_.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes_[i]);
  return s + "))";
}

}  // namespace hg::nn
