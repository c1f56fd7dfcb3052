#include "apps/transfer/transfer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <ostream>

#include "apps/run/run_data.h"
#include "engine/autograd/autograd.h"
#include "engine/nn/layers.h"
#include "engine/optim/optimizer.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "models/registry.h"

namespace hg::transfer {

data::Dataset labelled_subset(const data::Dataset& d, int64_t n, uint64_t seed) {
  if (n <= 0 || n >= d.n) return d;
  std::vector<int64_t> idx(static_cast<size_t>(d.n));
  std::iota(idx.begin(), idx.end(), 0);
  Rng rng(seed ^ 0x6c6162656c73ULL);
  rng.shuffle(idx);
  idx.resize(static_cast<size_t>(n));
  std::sort(idx.begin(), idx.end());
  return data::select_rows(d, idx);
}

namespace {

// The encoder (any autoencoder's encode) followed by the head, as one module for the optimizer.
class Classifier : public nn::Module {
 public:
  Classifier(std::shared_ptr<models::Autoencoder> ae, int64_t classes, const std::string& head, Rng& rng)
      : ae_(std::move(ae)) {
    head_ = std::make_shared<nn::Sequential>();
    const int64_t k = ae_->latent_dim();
    if (head == "mlp") {
      head_->add(std::make_shared<nn::Linear>(k, 128, rng, nn::Init::Default, true, ops::Act::ReLU));
      head_->add(std::make_shared<nn::Linear>(128, classes, rng));
    } else {
      head_->add(std::make_shared<nn::Linear>(k, classes, rng));
    }
    register_module("head", head_);
  }
  Tensor forward(const Tensor& x) override { return head_->forward(ae_->encode(x)); }
  Tensor head(const Tensor& z) { return head_->forward(z); }
  std::string describe() const override { return "Classifier"; }
  nn::NamedTensors trainable(bool with_encoder) const {
    nn::NamedTensors p = named_parameters();
    if (with_encoder)
      for (auto& e : ae_->named_parameters()) p.push_back({"encoder." + e.first, e.second});
    return p;
  }

 private:
  std::shared_ptr<models::Autoencoder> ae_;
  std::shared_ptr<nn::Sequential> head_;
};

int64_t class_count(const data::Dataset& a, const data::Dataset& b) {
  int32_t m = -1;
  for (const auto* d : {&a, &b}) {
    if (!d->has_labels()) throw UsageError("transfer: the data have no labels (" + d->name + ")");
    for (int32_t y : d->y) m = std::max(m, y);
  }
  return static_cast<int64_t>(m) + 1;
}

double accuracy(Classifier& c, const data::Dataset& d, bool frozen_codes, Device dev,
                const std::vector<float>* codes, int64_t k) {
  autograd::NoGradGuard no_grad;
  c.eval();
  int64_t right = 0;
  const int64_t D = d.features();
  for (int64_t start = 0; start < d.n; start += 2048) {
    const int64_t rows = std::min<int64_t>(2048, d.n - start);
    Tensor logits;
    if (frozen_codes) {
      std::vector<float> z(codes->begin() + start * k, codes->begin() + (start + rows) * k);
      logits = c.head(Tensor::from_vector({rows, k}, z).to(dev));
    } else {
      std::vector<float> x(d.x.begin() + start * D, d.x.begin() + (start + rows) * D);
      logits = c.forward(Tensor::from_vector({rows, D}, x).to(dev));
    }
    const std::vector<int32_t> pred = ops::argmax_rows(logits);
    for (int64_t i = 0; i < rows; ++i) right += pred[i] == d.y[start + i];
  }
  c.train();
  return static_cast<double>(right) / static_cast<double>(std::max<int64_t>(d.n, 1));
}

}  // namespace

Result train_classifier(const run::LoadedRun& run, const data::Dataset& train, const data::Dataset& test,
                        const Options& opt, bool from_scratch, std::ostream& log) {
  if (opt.head != "linear" && opt.head != "mlp") throw UsageError("--head must be linear or mlp, got '" + opt.head + "'");
  if (opt.epochs < 0 || opt.batch < 1) throw UsageError("transfer: --epochs must be >= 0 (0: auto) and --batch >= 1");
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t C = class_count(train, test);
  Rng rng(opt.seed);
  std::shared_ptr<models::Autoencoder> ae = run.model;
  if (from_scratch) {
    Rng init(opt.seed + 17);
    ae = models::build_model(run.spec, init);
  }
  ae->to(opt.device);
  Classifier clf(ae, C, opt.head, rng);
  clf.to(opt.device);
  // Frozen pretrained encoder: encode once, train the head on fixed codes (same result, far
  // less work). The encoder is otherwise trained along with the head.
  const bool frozen = !from_scratch && !opt.finetune;
  ae->train(!frozen);
  const int64_t k = ae->latent_dim(), D = train.features();
  std::vector<float> train_codes, test_codes;
  if (frozen) {
    train_codes = run::encode_rows(*ae, train.x, train.n, opt.device);
    test_codes = run::encode_rows(*ae, test.x, test.n, opt.device);
    // Standardise the fixed codes with the labelled samples' statistics: a linear head on
    // codes of very different scales (ReLU units, some dead) otherwise learns slowly.
    std::vector<double> mean(static_cast<size_t>(k), 0.0), sd(static_cast<size_t>(k), 0.0);
    for (int64_t i = 0; i < train.n; ++i)
      for (int64_t a = 0; a < k; ++a) mean[a] += train_codes[i * k + a] / static_cast<double>(train.n);
    for (int64_t i = 0; i < train.n; ++i)
      for (int64_t a = 0; a < k; ++a) sd[a] += std::pow(train_codes[i * k + a] - mean[a], 2) / static_cast<double>(train.n);
    for (double& v : sd) v = v > 1e-12 ? std::sqrt(v) : 1.0;
    for (auto* codes : {&train_codes, &test_codes})
      for (size_t i = 0; i < codes->size(); ++i)
        (*codes)[i] = static_cast<float>(((*codes)[i] - mean[i % k]) / sd[i % k]);
  }
  optim::OptimizerConfig oc;
  oc.name = "adam";
  oc.lr = opt.lr;
  auto optimizer = optim::make_optimizer(oc, clf.trainable(!frozen));
  const int64_t width = frozen ? k : D;
  const std::vector<float>& src = frozen ? train_codes : train.x;
  std::vector<int64_t> order(static_cast<size_t>(train.n));
  std::iota(order.begin(), order.end(), 0);
  double last_loss = 0;
  // epochs == 0: enough epochs for about 1,000 optimizer steps (at most 500 epochs), so that a
  // hundred labels get as many updates as ten thousand.
  const int64_t steps_per_epoch = (train.n + opt.batch - 1) / opt.batch;
  const int64_t epochs = opt.epochs > 0 ? opt.epochs : std::clamp<int64_t>((1000 + steps_per_epoch - 1) / steps_per_epoch, 1, 500);
  for (int64_t e = 0; e < epochs; ++e) {
    rng.shuffle(order);
    double sum = 0;
    for (int64_t start = 0; start < train.n; start += opt.batch) {
      const int64_t rows = std::min(opt.batch, train.n - start);
      std::vector<float> xb(static_cast<size_t>(rows * width));
      std::vector<int32_t> yb(static_cast<size_t>(rows));
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t r = order[static_cast<size_t>(start + i)];
        std::copy(src.begin() + r * width, src.begin() + (r + 1) * width, xb.begin() + i * width);
        yb[i] = train.y[r];
      }
      Tensor x = Tensor::from_vector({rows, width}, xb).to(opt.device);
      Tensor logits = frozen ? clf.head(x) : clf.forward(x);
      Tensor loss = ops::softmax_cross_entropy(logits, yb);
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      sum += loss.item() * static_cast<double>(rows);
    }
    last_loss = sum / static_cast<double>(train.n);
  }
  Result r;
  r.labels = train.n;
  r.accuracy = accuracy(clf, test, frozen, opt.device, &test_codes, k);
  r.train_accuracy = accuracy(clf, train, frozen, opt.device, &train_codes, k);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log << (from_scratch ? "from scratch" : (opt.finetune ? "fine-tuned encoder" : "frozen encoder")) << ", "
      << train.n << " labels: test accuracy " << r.accuracy << " (train " << r.train_accuracy << ", final loss "
      << last_loss << ", " << r.seconds << " s)\n";
  return r;
}

}  // namespace hg::transfer
