#include "apps/transfer/transfer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <ostream>

#include "apps/run/run_data.h"
#include "engine/autograd/autograd.h"
#include "engine/io/safetensors.h"
#include "engine/nn/conv_layers.h"
#include "engine/optim/optimizer.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"
#include "engine/util/rng.h"
#include "models/registry.h"

namespace hg::transfer {

void Options::check() const {
  if (head != "linear" && head != "mlp")
    throw UsageError("--head must be linear or mlp, got '" + head + "'");
  if (mode != "frozen" && mode != "finetune" && mode != "scratch")
    throw UsageError("transfer mode must be frozen, finetune or scratch, got '" + mode + "'");
  if (!(lr > 0) || !std::isfinite(lr)) throw UsageError("--lr must be a positive number");
  if (!(encoder_lr_ratio > 0) || !std::isfinite(encoder_lr_ratio))
    throw UsageError("--encoder-lr-ratio must be a positive number");
  if (batch < 1) throw UsageError("--batch must be at least 1");
  if (max_steps < 1) throw UsageError("--max-steps must be at least 1");
  if (eval_every < 1 || patience < 1)
    throw UsageError("transfer: eval_every and --patience must be at least 1");
  if (!(val_fraction >= 0 && val_fraction < 1))
    throw UsageError("--val-fraction must be in [0, 1)");
}

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

// ---- the classifier ----------------------------------------------------------------------------

Classifier::Classifier(std::shared_ptr<models::Autoencoder> ae, int64_t classes,
                       const std::string& head, Rng& rng)
    : ae_(std::move(ae)), classes_(classes), head_kind_(head) {
  register_module("ae", ae_);
  const int64_t k = ae_->latent_dim();
  std::vector<float> eye(static_cast<size_t>(k * k), 0.0f);
  for (int64_t a = 0; a < k; ++a) eye[static_cast<size_t>(a * k + a)] = 1.0f;
  std_weight_ = register_buffer("standardize.weight", Tensor::from_vector({k, k}, eye));
  std_bias_ = register_buffer("standardize.bias", Tensor::zeros({k}));
  head_ = std::make_shared<nn::Sequential>();
  if (head == "mlp") {
    head_->add(std::make_shared<nn::Linear>(k, 128, rng, nn::Init::Default, true, ops::Act::ReLU));
    head_->add(std::make_shared<nn::Dropout>(0.3f, rng.next_u64()));
    head_->add(std::make_shared<nn::Linear>(128, classes, rng));
  } else {
    head_->add(std::make_shared<nn::Linear>(k, classes, rng));
  }
  register_module("head", head_);
}

Tensor Classifier::head(const Tensor& codes) { return head_->forward(codes); }

Tensor Classifier::forward(const Tensor& x) {
  return head_->forward(ops::linear(ae_->encode(x), std_weight_, std_bias_));
}

void Classifier::set_standardization(const std::vector<double>& mean,
                                     const std::vector<double>& sd) {
  const int64_t k = ae_->latent_dim();
  std::vector<float> w(static_cast<size_t>(k * k), 0.0f), b(static_cast<size_t>(k));
  for (int64_t a = 0; a < k; ++a) {
    const double s = sd[a] > 1e-12 ? sd[a] : 1.0;
    w[static_cast<size_t>(a * k + a)] = static_cast<float>(1.0 / s);
    b[static_cast<size_t>(a)] = static_cast<float>(-mean[a] / s);
  }
  std_weight_.copy_from(Tensor::from_vector({k, k}, w));
  std_bias_.copy_from(Tensor::from_vector({k}, b));
}

Device Classifier::device() const { return std_bias_.device(); }

std::vector<float> Classifier::standardized_codes(const std::vector<float>& x, int64_t n) {
  autograd::NoGradGuard no_grad;
  const bool was_training = is_training();
  eval();
  std::vector<float> z = run::encode_rows(*ae_, x, n, device());
  train(was_training);
  const int64_t k = ae_->latent_dim();
  const std::vector<float> w = std_weight_.to(Device::cpu()).to_vector(),
                           b = std_bias_.to(Device::cpu()).to_vector();
  for (size_t i = 0; i < z.size(); ++i) {
    const size_t a = i % static_cast<size_t>(k);
    z[i] = z[i] * w[a * static_cast<size_t>(k) + a] + b[a];
  }
  return z;
}

nn::NamedTensors Classifier::head_parameters() const { return head_->named_parameters(); }
nn::NamedTensors Classifier::encoder_parameters() const { return ae_->named_parameters(); }

namespace {

// A copy of the run's model (same weights), or a freshly initialised one of the same architecture.
std::shared_ptr<models::Autoencoder> model_copy(const run::LoadedRun& run, bool fresh,
                                                uint64_t seed) {
  Rng init(seed + 17);
  std::shared_ptr<models::Autoencoder> m = models::build_model(run.spec, init);
  if (!fresh) {
    const nn::NamedTensors src = run.model->named_state();
    nn::NamedTensors dst = m->named_state();
    for (size_t i = 0; i < dst.size(); ++i) dst[i].second.copy_from(src[i].second);
  }
  return m;
}

// Column means and standard deviations of codes [n, k].
void code_stats(const std::vector<float>& z, int64_t n, int64_t k, std::vector<double>& mean,
                std::vector<double>& sd) {
  mean.assign(static_cast<size_t>(k), 0.0);
  sd.assign(static_cast<size_t>(k), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t a = 0; a < k; ++a) mean[a] += z[i * k + a] / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t a = 0; a < k; ++a)
      sd[a] += std::pow(z[i * k + a] - mean[a], 2) / static_cast<double>(n);
  for (double& v : sd) v = std::sqrt(v);
}

// Rows of x [*, width] picked by idx, as one tensor on dev.
Tensor gather(const std::vector<float>& x, int64_t width, const std::vector<int64_t>& idx,
              Device dev) {
  std::vector<float> out(idx.size() * static_cast<size_t>(width));
  for (size_t i = 0; i < idx.size(); ++i)
    std::copy(x.begin() + idx[i] * width, x.begin() + (idx[i] + 1) * width,
              out.begin() + static_cast<int64_t>(i) * width);
  return Tensor::from_vector({static_cast<int64_t>(idx.size()), width}, out).to(dev);
}

// The samples a stage trains on: rows of `x` (codes or scaled inputs) and their labels.
struct Rows {
  const std::vector<float>* x = nullptr;
  const std::vector<int32_t>* y = nullptr;
  int64_t n = 0, width = 0;
};

// Mean cross-entropy and accuracy of `logits_of` on rows r, in chunks, eval mode, no grad.
std::pair<double, double> evaluate(const std::function<Tensor(const Tensor&)>& logits_of,
                                   const Rows& r, Device dev) {
  autograd::NoGradGuard no_grad;
  double loss = 0;
  int64_t right = 0;
  for (int64_t start = 0; start < r.n; start += 2048) {
    const int64_t rows = std::min<int64_t>(2048, r.n - start);
    std::vector<int64_t> idx(static_cast<size_t>(rows));
    std::iota(idx.begin(), idx.end(), start);
    const Tensor logits = logits_of(gather(*r.x, r.width, idx, dev));
    const std::vector<int32_t> y(r.y->begin() + start, r.y->begin() + start + rows);
    loss += ops::softmax_cross_entropy(logits, y).item() * static_cast<double>(rows);
    const std::vector<int32_t> pred = ops::argmax_rows(logits);
    for (int64_t i = 0; i < rows; ++i)
      right += pred[static_cast<size_t>(i)] == y[static_cast<size_t>(i)];
  }
  return {loss / static_cast<double>(r.n), static_cast<double>(right) / static_cast<double>(r.n)};
}

struct StageResult {
  double val_loss = -1, val_accuracy = -1;
  int64_t steps = 0;
};

// One training stage: shuffled mini-batches of `fit` through `logits_of`, the optimizers stepped
// together; every eval_every steps the validation loss is checked and the best state (of
// `state`) kept; the stage ends after `patience` checks without improvement or max_steps, and the
// best state is put back. Without validation rows it runs max_steps steps. `start` is the
// validation result of the weights as they are (from an earlier stage): the stage keeps them
// unless it beats that loss.
StageResult run_stage(Classifier& clf, const std::function<Tensor(const Tensor&)>& logits_of,
                      const Rows& fit, const Rows& val, std::vector<optim::Optimizer*> optimizers,
                      const Options& opt, Rng& rng, const StageResult& start = {}) {
  const Device dev = clf.device();
  nn::NamedTensors state = clf.named_state();
  std::vector<Tensor> best;
  StageResult out;
  double best_loss = std::numeric_limits<double>::infinity();
  if (start.val_loss >= 0) {
    best_loss = start.val_loss;
    out.val_loss = start.val_loss, out.val_accuracy = start.val_accuracy;
    for (const auto& [name, t] : state) best.push_back(t.clone());
  }
  int64_t bad = 0;
  std::vector<int64_t> order(static_cast<size_t>(fit.n));
  std::iota(order.begin(), order.end(), 0);
  size_t pos = order.size();
  clf.train();
  for (int64_t step = 1; step <= opt.max_steps; ++step) {
    interrupt::check("training the classifier");
    if (pos + static_cast<size_t>(std::min(opt.batch, fit.n)) > order.size()) {
      rng.shuffle(order);
      pos = 0;
    }
    const size_t rows = static_cast<size_t>(std::min(opt.batch, fit.n));
    std::vector<int64_t> idx(order.begin() + static_cast<int64_t>(pos),
                             order.begin() + static_cast<int64_t>(pos + rows));
    pos += rows;
    std::vector<int32_t> yb(rows);
    for (size_t i = 0; i < rows; ++i) yb[i] = (*fit.y)[static_cast<size_t>(idx[i])];
    Tensor loss = ops::softmax_cross_entropy(logits_of(gather(*fit.x, fit.width, idx, dev)), yb);
    for (auto* o : optimizers) o->zero_grad();
    loss.backward();
    for (auto* o : optimizers) o->step();
    out.steps = step;
    if (val.n == 0 || step % opt.eval_every != 0) continue;
    clf.eval();
    const auto [vl, va] = evaluate(logits_of, val, dev);
    clf.train();
    if (!std::isfinite(vl))
      throw Error("transfer: the validation loss became " + fmt::num(vl) + "; try a lower --lr");
    if (vl < best_loss) {
      best_loss = vl;
      out.val_loss = vl, out.val_accuracy = va;
      best.clear();
      for (const auto& [name, t] : state) best.push_back(t.clone());
      bad = 0;
    } else if (++bad >= opt.patience) {
      break;
    }
  }
  if (!best.empty())
    for (size_t i = 0; i < state.size(); ++i) state[i].second.copy_from(best[i]);
  clf.eval();
  return out;
}

std::unique_ptr<optim::Optimizer> adam(const nn::NamedTensors& params, float lr) {
  optim::OptimizerConfig oc;
  oc.name = "adam";
  oc.lr = lr;
  return optim::make_optimizer(oc, params);
}

}  // namespace

Fitted fit_classifier(const run::LoadedRun& run, const data::Dataset& labelled, int64_t classes,
                      const Options& opt, std::ostream& log) {
  opt.check();
  if (!labelled.has_labels())
    throw UsageError("transfer: the data have no labels (" + labelled.name + ")");
  if (labelled.n < 2)
    throw UsageError("transfer: at least 2 labelled samples are needed, got " +
                     std::to_string(labelled.n));
  for (int32_t y : labelled.y)
    if (y < 0 || y >= classes)
      throw Error("transfer: label " + std::to_string(y) + " outside [0, " +
                  std::to_string(classes) + ")");
  // The validation split: at least one sample, and at least one left to train on.
  const int64_t n_val =
      opt.val_fraction > 0
          ? std::clamp<int64_t>(std::llround(opt.val_fraction * labelled.n), 1, labelled.n - 1)
          : 0;
  auto [fit_set, val_set] =
      data::split_validation(labelled, static_cast<double>(n_val) / labelled.n, opt.seed + 5);
  const int64_t D = labelled.features();
  Rng rng(opt.seed);
  auto ae = model_copy(run, opt.mode == "scratch", opt.seed);
  ae->to(opt.device);
  auto clf = std::make_shared<Classifier>(ae, classes, opt.head, rng);
  clf->to(opt.device);
  const int64_t k = ae->latent_dim();
  {
    std::vector<double> mean, sd;
    code_stats(run::encode_rows(*ae, fit_set.x, fit_set.n, opt.device), fit_set.n, k, mean, sd);
    clf->set_standardization(mean, sd);
  }
  Fitted f;
  f.clf = clf;
  f.train_samples = fit_set.n;
  f.val_samples = val_set.n;
  StageResult st;
  if (opt.mode != "scratch") {  // the head on fixed codes: encode once
    const std::vector<float> zf = clf->standardized_codes(fit_set.x, fit_set.n),
                             zv = clf->standardized_codes(val_set.x, val_set.n);
    auto head_opt = adam(clf->head_parameters(), opt.lr);
    st = run_stage(
        *clf, [&](const Tensor& z) { return clf->head(z); }, {&zf, &fit_set.y, fit_set.n, k},
        {&zv, &val_set.y, val_set.n, k}, {head_opt.get()}, opt, rng);
    f.steps += st.steps;
  }
  if (opt.mode != "frozen") {
    const float enc_lr = opt.mode == "finetune" ? opt.lr * opt.encoder_lr_ratio : opt.lr;
    auto head_opt = adam(clf->head_parameters(), opt.lr);
    auto enc_opt = adam(clf->encoder_parameters(), enc_lr);
    ae->train();
    const StageResult s2 = run_stage(
        *clf, [&](const Tensor& x) { return clf->forward(x); },
        {&fit_set.x, &fit_set.y, fit_set.n, D}, {&val_set.x, &val_set.y, val_set.n, D},
        {head_opt.get(), enc_opt.get()}, opt, rng, st);
    // LP-FT keeps the fine-tuned weights only when validation says they are better: run_stage
    // starts from the probe's validation loss, so a worse fine-tune brings the probe's weights
    // back.
    f.steps += s2.steps;
    st = s2;
  }
  clf->eval();
  f.val_loss = st.val_loss;
  f.val_accuracy = st.val_accuracy;
  f.train_accuracy = accuracy(*clf, fit_set);
  log << opt.mode << " (" << opt.head << " head): " << fit_set.n << " + " << val_set.n
      << " validation labels, " << f.steps << " steps, validation accuracy "
      << (val_set.n ? fmt::num(f.val_accuracy, 4) : std::string("-")) << "\n";
  return f;
}

std::vector<float> probabilities(Classifier& c, const std::vector<float>& x, int64_t n, int64_t D) {
  autograd::NoGradGuard no_grad;
  c.eval();
  std::vector<float> out;
  out.reserve(static_cast<size_t>(n * c.classes()));
  for (int64_t start = 0; start < n; start += 2048) {
    const int64_t rows = std::min<int64_t>(2048, n - start);
    std::vector<float> xb(x.begin() + start * D, x.begin() + (start + rows) * D);
    const std::vector<float> p =
        ops::softmax(c.forward(Tensor::from_vector({rows, D}, xb).to(c.device())))
            .to(Device::cpu())
            .to_vector();
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

double accuracy(Classifier& c, const data::Dataset& d) {
  if (d.n == 0) return 0;
  const std::vector<float> p = probabilities(c, d.x, d.n, d.features());
  const int64_t C = c.classes();
  int64_t right = 0;
  for (int64_t i = 0; i < d.n; ++i) {
    const float* row = &p[static_cast<size_t>(i * C)];
    right += std::max_element(row, row + C) - row == d.y[static_cast<size_t>(i)];
  }
  return static_cast<double>(right) / static_cast<double>(d.n);
}

void save_classifier(const std::string& path, const Classifier& c) {
  std::vector<io::TensorView> views;
  std::vector<Tensor> host;
  for (auto& [name, t] : c.named_state()) {
    host.push_back(t.to(Device::cpu()));
    views.push_back({name, t.shape(), host.back().data()});
  }
  io::save_safetensors(path, views,
                       {{"format", "hourglass-classifier"},
                        {"classes", std::to_string(c.classes())},
                        {"head", c.head_kind()}});
}

std::shared_ptr<Classifier> load_classifier(const std::string& path, const run::LoadedRun& run,
                                            Device device) {
  std::map<std::string, std::string> meta;
  std::vector<io::TensorData> tensors = io::load_safetensors(path, &meta);
  int64_t classes = 0;
  try {
    classes = std::stoll(meta.at("classes"));
  } catch (const std::exception&) {
    throw Error(path + ": not a classifier file (no 'classes' in its metadata)");
  }
  const std::string head = meta.count("head") ? meta["head"] : "mlp";
  if (classes < 1 || (head != "mlp" && head != "linear"))
    throw Error(path + ": bad classifier metadata");
  Rng rng(0);
  auto clf = std::make_shared<Classifier>(model_copy(run, true, 0), classes, head, rng);
  std::map<std::string, const io::TensorData*> by_name;
  for (const auto& t : tensors) by_name[t.name] = &t;
  for (auto& [name, p] : clf->named_state()) {
    auto it = by_name.find(name);
    if (it == by_name.end() || it->second->shape != p.shape())
      throw Error(path + ": tensor '" + name + "' is missing or has the wrong shape for " +
                  run.dir + "'s model");
    p.copy_from(Tensor::from_vector(p.shape(), it->second->data));
  }
  clf->to(device);
  clf->eval();
  return clf;
}

Result train_classifier(const run::LoadedRun& run, const data::Dataset& train,
                        const data::Dataset& test, const Options& opt, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  int32_t top = -1;
  for (const auto* d : {&train, &test}) {
    if (!d->has_labels()) throw UsageError("transfer: the data have no labels (" + d->name + ")");
    for (int32_t y : d->y) top = std::max(top, y);
  }
  Fitted f = fit_classifier(run, train, static_cast<int64_t>(top) + 1, opt, log);
  Result r;
  r.mode = opt.mode;
  r.labels = train.n;
  r.accuracy = accuracy(*f.clf, test);
  r.train_accuracy = f.train_accuracy;
  r.val_accuracy = f.val_accuracy;
  r.steps = f.steps;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log << "  " << opt.mode << ", " << train.n << " labels: test accuracy " << fmt::num(r.accuracy, 4)
      << " (" << fmt::fixed(r.seconds, 1) << " s)\n";
  return r;
}

}  // namespace hg::transfer
