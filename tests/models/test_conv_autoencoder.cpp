// The convolutional autoencoder (models/conv_autoencoder.h) from models/configs/conv28.json:
// shapes of encode/decode, the parameter count PyTorch reports for the same network, learning
// on a small batch, the batch-norm/dropout variant, the checkpoint round trip with BatchNorm
// buffers, and one-line config errors that name the field.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/run/run_folder.h"
#include "engine/autograd/autograd.h"
#include "engine/optim/optimizer.h"
#include "engine/util/error.h"
#include "models/conv_autoencoder.h"
#include "models/losses.h"
#include "models/registry.h"

namespace hg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kConfig = std::string(HG_SOURCE_DIR) + "/models/configs/conv28.json";

std::shared_ptr<models::Autoencoder> build(const json& j, uint64_t seed = 1) {
  models::ModelSpec spec = models::model_spec_from_json(j, "test.json");
  models::resolve_input(spec, 784, "test.json");
  Rng rng(seed);
  return models::build_model(spec, rng);
}

json conv28() { return models::load_model_spec(kConfig).json; }

// Smooth images in [0, 1]: a few Gaussian blobs per image, so there is structure to learn.
Tensor blob_batch(int64_t B, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(B * 784), 0.0f);
  for (int64_t b = 0; b < B; ++b)
    for (int k = 0; k < 3; ++k) {
      const double cy = rng.uniform(6, 22), cx = rng.uniform(6, 22), s = rng.uniform(2, 4);
      for (int i = 0; i < 28; ++i)
        for (int j = 0; j < 28; ++j) {
          float& p = v[static_cast<size_t>(b * 784 + i * 28 + j)];
          p = std::min(1.0f, p + static_cast<float>(std::exp(
                                     -((i - cy) * (i - cy) + (j - cx) * (j - cx)) / (2 * s * s))));
        }
    }
  return Tensor::from_vector({B, 784}, v);
}

TEST(ConvAutoencoder, EncodeDecodeShapes) {
  auto model = build(conv28());
  EXPECT_EQ(model->input_dim(), 784);
  EXPECT_EQ(model->latent_dim(), 32);
  EXPECT_EQ(model->output_act(), ops::Act::Sigmoid);
  // The same count as the PyTorch network in bench/ref/conv_autoencoder_epoch.py:
  // 320 + 18,496 + 100,384 (encoder) + 103,488 + 18,464 + 289 (decoder).
  EXPECT_EQ(model->parameter_count(), 241441);
  Tensor x = blob_batch(5, 1);
  Tensor z = model->encode(x);
  EXPECT_EQ(z.shape(), (Shape{5, 32}));
  Tensor r = model->decode(z);
  EXPECT_EQ(r.shape(), (Shape{5, 784}));
  for (float v : r.to_vector()) ASSERT_TRUE(v > 0.0f && v < 1.0f);
  // The decoder works on its own, from any latent.
  EXPECT_EQ(model->decode(Tensor::zeros({2, 32})).shape(), (Shape{2, 784}));
  const std::string s = model->summary();
  EXPECT_NE(s.find("ConvTranspose2d(64, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
                   "output_padding=(1, 1), relu)"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("Unflatten(dim=1, unflattened_size=(64, 7, 7))"), std::string::npos) << s;
}

double train_steps(models::Autoencoder& model, const Tensor& x, int steps, double* first) {
  optim::OptimizerConfig oc;
  oc.name = "adam";
  oc.lr = 1e-3f;
  auto opt = optim::make_optimizer(oc, model.named_parameters());
  model.train();
  double last = 0;
  for (int i = 0; i < steps; ++i) {
    Tensor loss = models::reconstruction_loss("mse", model.forward(x), x, model.output_act());
    opt->zero_grad();
    loss.backward();
    opt->step();
    if (i == 0) *first = loss.item();
    last = loss.item();
  }
  return last;
}

TEST(ConvAutoencoder, LossFallsOverTwentyAdamSteps) {
  auto model = build(conv28());
  Tensor x = blob_batch(16, 2);
  double first = 0;
  const double last = train_steps(*model, x, 20, &first);
  EXPECT_LT(last, 0.6 * first) << "first " << first << ", last " << last;
  std::printf("conv28, 20 Adam steps on 16 blob images: loss %.5f -> %.5f\n", first, last);
}

TEST(ConvAutoencoder, BatchNormAndDropoutVariant) {
  json j = conv28();
  j["batch_norm"] = true;
  j["dropout"] = 0.1;
  auto model = build(j);
  // Batch norm replaces the hidden convolutions' biases with its own beta.
  int bn_buffers = 0;
  for (auto& [name, t] : model->named_buffers())
    bn_buffers += name.find("running_mean") != std::string::npos;
  EXPECT_EQ(bn_buffers, 3);  // two encoder convolutions and one hidden transposed convolution
  Tensor x = blob_batch(16, 3);
  double first = 0;
  const double last = train_steps(*model, x, 20, &first);
  EXPECT_LT(last, first);
  model->eval();
  autograd::NoGradGuard ng;
  EXPECT_EQ(model->forward(x).to_vector(), model->forward(x).to_vector())
      << "eval is deterministic";
}

TEST(ConvAutoencoder, CheckpointKeepsBatchNormStatistics) {
  json j = conv28();
  j["batch_norm"] = true;
  auto a = build(j, 1);
  Tensor x = blob_batch(8, 4);
  double first = 0;
  train_steps(*a, x, 3, &first);
  const fs::path dir =
      fs::temp_directory_path() / ("hg_test_conv_ckpt_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  run::save_checkpoint(dir.string(), *a, 3);
  auto b = build(j, 2);  // other weights, fresh statistics
  EXPECT_EQ(run::load_checkpoint(dir.string(), *b), 3);
  auto sa = a->named_state(), sb = b->named_state();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_EQ(sa[i].second.to_vector(), sb[i].second.to_vector()) << sa[i].first;
  }
  a->eval();
  b->eval();
  EXPECT_EQ(a->forward(x).to_vector(), b->forward(x).to_vector());
  fs::remove_all(dir);
}

std::string config_error(const std::function<void(json&)>& edit) {
  json j = conv28();
  edit(j);
  try {
    build(j);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ConvAutoencoder, ConfigErrorsNameTheField) {
  const std::vector<std::pair<std::function<void(json&)>, std::string>> cases = {
      {[](json& j) { j.erase("image"); }, "'image'"},
      {[](json& j) {
         j["image"] = {1, 28};
       },
       "'image'"},
      {[](json& j) { j["channels"] = json::array(); }, "'channels'"},
      {[](json& j) {
         j["channels"] = {32, -1};
       },
       "'channels'"},
      {[](json& j) { j["kernel"] = "3"; }, "'kernel'"},
      {[](json& j) { j["stride"] = 0; }, "'stride'"},
      {[](json& j) { j["padding"] = 5; }, "'padding'"},
      {[](json& j) { j["latent"] = 0; }, "'latent'"},
      {[](json& j) { j["input"] = 100; }, "'input'"},
      {[](json& j) { j["dropout"] = 1.5; }, "'dropout'"},
      {[](json& j) { j["batch_norm"] = "yes"; }, "'batch_norm'"},
      {[](json& j) { j["activation"] = "swish"; }, "swish"},
      {[](json& j) { j["type"] = "resnet"; }, "mlp, conv"},
      {[](json& j) {
         j["image"] = {1, 5, 5};
         j["input"] = nullptr;
         j["padding"] = 0;
         j["channels"] = {4, 4, 4};
       },
       "'channels'"},
  };
  for (const auto& [edit, needle] : cases) {
    const std::string e = config_error(edit);
    EXPECT_NE(e.find(needle), std::string::npos) << e;
    EXPECT_NE(e.find("test.json"), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(ConvAutoencoder, InputSizeComesFromTheImage) {
  json j = conv28();
  j["input"] = nullptr;
  models::ModelSpec spec = models::model_spec_from_json(j, "test.json");
  try {
    models::resolve_input(spec, 100, "test.json");
    FAIL() << "a 784-pixel model accepted 100 features";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("784"), std::string::npos) << e.what();
  }
  models::resolve_input(spec, 784, "test.json");
  EXPECT_EQ(spec.json["input"], 784);
}

}  // namespace
}  // namespace hg
