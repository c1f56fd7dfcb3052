// The layers of the convolutional family, as in torch.nn: Conv2d, ConvTranspose2d, MaxPool2d,
// AvgPool2d, Upsample (nearest), BatchNorm2d, Dropout, Flatten and Unflatten. Images are NCHW.
// Weight layouts are PyTorch's: Conv2d [out, in/groups, kh, kw], ConvTranspose2d
// [in, out/groups, kh, kw], so checkpoints map one to one onto a PyTorch state_dict.
#pragma once
#include <cstdint>
#include <string>

#include "engine/nn/layers.h"
#include "engine/nn/module.h"
#include "engine/ops/conv_ops.h"
#include "engine/util/rng.h"

namespace hg::nn {

using ops::Size2;

// Options shared by Conv2d and ConvTranspose2d (C++20 designated initialisers read well:
// Conv2d(1, 32, 3, rng, {.stride = 2, .padding = 1, .act = ops::Act::ReLU})).
// init: Init::Default is PyTorch's default for convolutions (kaiming_uniform_(a=√5), which is
// U(±1/√fan_in) for the weight, and U(±1/√fan_in) for the bias), fan_in = weight.size(1)·kh·kw;
// Kaiming is He normal with a zero bias; Xavier is Glorot uniform with a zero bias.
struct ConvOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  Size2 output_padding = 0;  // ConvTranspose2d only
  int64_t groups = 1;
  bool bias = true;
  ops::Act act =
      ops::Act::None;   // Conv2d fuses it into the kernel; ConvTranspose2d applies it after
  float alpha = 0.01f;  // leaky_relu slope
  Init init = Init::Default;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in, int64_t out, Size2 kernel, Rng& rng, const ConvOptions& opt = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  const ConvOptions& options() const { return opt_; }

 private:
  int64_t in_, out_;
  Size2 kernel_;
  ConvOptions opt_;
  Tensor weight_, bias_;
};

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in, int64_t out, Size2 kernel, Rng& rng, const ConvOptions& opt = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  Size2 kernel() const { return kernel_; }
  const ConvOptions& options() const { return opt_; }

 private:
  int64_t in_, out_;
  Size2 kernel_;
  ConvOptions opt_;
  Tensor weight_, bias_;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel, Size2 stride = 0, Size2 padding = 0);  // stride 0 = kernel
  Tensor forward(const Tensor& x) override {
    return ops::max_pool2d(x, kernel_, stride_, padding_);
  }
  std::string describe() const override;
  Size2 kernel() const { return kernel_; }
  Size2 stride() const { return stride_; }  // the kernel when constructed with 0
  Size2 padding() const { return padding_; }

 private:
  Size2 kernel_, stride_, padding_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel, Size2 stride = 0, Size2 padding = 0);  // stride 0 = kernel
  Tensor forward(const Tensor& x) override {
    return ops::avg_pool2d(x, kernel_, stride_, padding_);
  }
  std::string describe() const override;
  Size2 kernel() const { return kernel_; }
  Size2 stride() const { return stride_; }  // the kernel when constructed with 0
  Size2 padding() const { return padding_; }

 private:
  Size2 kernel_, stride_, padding_;
};

// Nearest-neighbour upsampling by integer factors.
class Upsample : public Module {
 public:
  explicit Upsample(Size2 scale);
  Tensor forward(const Tensor& x) override {
    return ops::upsample_nearest2d(x, scale_.h, scale_.w);
  }
  std::string describe() const override;
  Size2 scale() const { return scale_; }

 private:
  Size2 scale_;
};

// Batch normalisation over [N, C, H, W] (or [N, C]) per channel. Parameters "weight" (gamma,
// ones) and "bias" (beta, zeros) when affine; buffers "running_mean" (zeros), "running_var"
// (ones) and "num_batches_tracked" (a scalar, counted in fp32) saved in the checkpoint under
// PyTorch's names. Training normalises with batch statistics and updates the buffers;
// evaluation uses the running statistics.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t channels, float eps = 1e-5f, float momentum = 0.1f,
                       bool affine = true);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  const Tensor& num_batches_tracked() const { return num_batches_; }
  float eps() const { return eps_; }
  float momentum() const { return momentum_; }

 private:
  int64_t channels_;
  float eps_, momentum_;
  Tensor weight_, bias_;  // undefined unless affine
  Tensor running_mean_, running_var_, num_batches_;
};

// Inverted dropout. Every training-mode call draws a fresh mask from seed ⊕ call counter, so a run
// with the same module seed (the model takes it from its Rng) draws the same masks. Evaluation
// mode (and p = 0) is the identity. The call counter is not checkpointed: a resumed run draws
// different masks than an unbroken one.
class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.5f, uint64_t seed = 0);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  uint64_t calls() const { return calls_; }

 private:
  float p_;
  uint64_t seed_, calls_ = 0;
};

// Additive Gaussian noise while training, the identity in evaluation mode: y = x + sigma * n with
// n ~ N(0, 1) drawn fresh per call from seed ^ call counter (as Dropout; not checkpointed). In
// front of a sigmoid it is how a code is trained to be binary (semantic hashing, seed 003): to get
// through the noise the decoder needs pre-activations far from 0, so the sigmoid saturates and
// thresholding its output at 0.5 loses little. Gradients flow to x unchanged.
class GaussianNoise : public Module {
 public:
  explicit GaussianNoise(float sigma, uint64_t seed = 0);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  float sigma() const { return sigma_; }

 private:
  float sigma_;
  uint64_t seed_, calls_ = 0;
};

// [N, d1, d2, ...] -> [N, d1 d2 ...] from start_dim on (a view).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1) : start_dim_(start_dim) {}
  Tensor forward(const Tensor& x) override { return ops::flatten(x, start_dim_); }
  std::string describe() const override;
  int64_t start_dim() const { return start_dim_; }

 private:
  int64_t start_dim_;
};

// Splits dimension `dim` into `sizes` (a view), e.g. Unflatten(1, {64, 7, 7}): [N, 3136] -> [N, 64,
// 7, 7].
class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, Shape sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  Tensor forward(const Tensor& x) override { return ops::unflatten(x, dim_, sizes_); }
  std::string describe() const override;
  int64_t dim() const { return dim_; }
  const Shape& sizes() const { return sizes_; }

 private:
  int64_t dim_;
  Shape sizes_;
};

}  // namespace hg::nn
