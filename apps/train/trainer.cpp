#include "apps/train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <ostream>

#include "apps/report/chart.h"
#include "apps/run/run_commit.h"
#include "apps/run/run_folder.h"
#include "engine/autograd/autograd.h"
#include "engine/data/dataset.h"
#include "engine/data/spec.h"
#include "engine/dist/comm.h"
#include "engine/dist/data_parallel.h"
#include "engine/host/parallel.h"
#include "engine/io/atomic_file.h"
#include "engine/ops/kernel_select.h"
#include "engine/ops/ops.h"
#include "engine/tensor/cuda_graph.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"
#include "engine/util/rng.h"
#include "models/corruption.h"
#include "models/losses.h"
#include "models/vae.h"

namespace hg::train {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

json TrainResult::summary() const {
  json j;
  j["epochs"] = history.empty() ? 0 : history.back().epoch;
  j["epochs_this_run"] = epochs_this_call;
  j["first_train_loss"] = history.empty() ? json(nullptr) : json(history.front().train_loss);
  j["first_step_loss"] = first_step_loss < 0 ? json(nullptr) : json(first_step_loss);
  if (!history.empty() && !history.back().terms.empty()) {
    json t = json::object();
    for (const auto& [name, v] : history.back().terms) t[name] = v;
    j["final_terms"] = t;
  }
  j["final_train_loss"] = history.empty() ? json(nullptr) : json(history.back().train_loss);
  j["final_val_loss"] = history.empty() || history.back().val_loss < 0
                            ? json(nullptr)
                            : json(history.back().val_loss);
  j["seconds"] = seconds;
  j["samples_per_s"] = samples_per_s;
  json secs = json::array();  // training seconds of every epoch in history (validation excluded)
  for (const auto& e : history) secs.push_back(e.seconds);
  j["epoch_seconds"] = secs;
  j["device"] = device;
  j["out"] = out_dir;
  j["parameters"] = parameters;
  j["train_samples"] = train_samples;
  j["val_samples"] = val_samples;
  j["threads"] = host::num_threads();
  j["interrupted"] = interrupted;
  j["max_epochs"] = max_epochs;
  j["best_epoch"] = best_epoch;
  j["stopped_early"] = stopped_early;
  const EpochStats* best = nullptr;
  for (const auto& e : history)
    if (e.epoch == best_epoch) best = &e;
  j["best_val_loss"] = best == nullptr || best->val_loss < 0 ? json(nullptr) : json(best->val_loss);
  j["final_lr"] = history.empty() ? json(nullptr) : json(history.back().lr);
  j["ranks"] = ranks;
  if (ranks > 1) {  // how much of this call's training time the gradient exchange took
    double train_s = 0;
    for (size_t i = history.size() - static_cast<size_t>(epochs_this_call); i < history.size(); ++i)
      train_s += history[i].seconds;
    j["comm_seconds"] = comm_seconds;
    j["comm_fraction"] = train_s > 0 ? json(comm_seconds / train_s) : json(nullptr);
    j["grad_bytes_per_step"] = grad_bytes_per_step;
  }
  return j;
}

namespace {

// Options as they will be stored in config.json (flags over config defaults over built-ins).
struct Resolved {
  int64_t epochs = 100, batch = 64;
  float lr = 1e-3f;
  std::string loss = "mse", optimizer = "adam", scaler = "none";
  ConvergenceOptions conv;
  int64_t min_steps = 0;      // the epoch maximum rises until this many optimizer steps fit
  bool epochs_given = false;  // --epochs on the command line (then min_steps does not apply)
};

template <class T>
T default_from(const json& defaults, const char* key, T fallback) {
  if (defaults.is_object() && defaults.contains(key) && !defaults[key].is_null()) {
    try {
      return defaults[key].get<T>();
    } catch (const json::exception&) {
      throw Error(std::string("model config: 'defaults.") + key + "' has the wrong type");
    }
  }
  return fallback;
}

std::string default_out_dir(const std::string& model, const std::string& data_kind) {
  std::string base = "runs/" + model + "-" + data_kind;
  std::string dir = base;
  for (int i = 2; fs::exists(dir); ++i) dir = base + "-" + std::to_string(i);
  return dir;
}

// The whole data set as one [n, D] tensor on `device`: uploaded once, batches are row slices.
Tensor dataset_tensor(const data::Dataset& d, Device device) {
  return Tensor::from_vector({d.n, d.features()}, d.x).to(device);
}

// The training objective averaged over a whole data set, without gradients, in chunks of rows:
// on clean inputs, except for a deterministic corruption (super-resolution's downsampling),
// which is the task itself and applies here too.
double evaluate_loss(models::Autoencoder& model, const Tensor& all, const std::string& loss,
                     const models::NoiseConfig& noise) {
  const int64_t n = all.size(0);
  if (n == 0) return -1;
  autograd::NoGradGuard no_grad;
  model.eval();
  Tensor total = Tensor::zeros({}, all.device());
  for (int64_t start = 0; start < n; start += 1024) {
    const int64_t rows = std::min<int64_t>(1024, n - start);
    Tensor x = all.slice_rows(start, rows);
    Tensor in = noise.deterministic() ? models::apply_noise(noise, x, 0) : x;
    ops::axpy_(total, static_cast<float>(rows), model.objective(in, x, loss).total);
  }
  model.train();
  return total.item() / static_cast<double>(n);
}

// Each epoch's order: a fresh shuffle of 0..n-1 from one seeded stream, so epoch k's order is
// the same whether or not the run was resumed before it.
std::vector<int64_t> next_order(Rng& rng, int64_t n) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  rng.shuffle(order);
  return order;
}

void check_unit_range(const data::Dataset& d, const std::string& flag) {
  for (float v : d.x)
    if (v < 0.0f || v > 1.0f)
      throw UsageError(flag + " bce needs inputs in [0, 1], but the (scaled) data contain " +
                       fmt::num(v) + "; use --scaler minmax, or --loss mse");
}

json history_json(const std::vector<EpochStats>& h) {
  json arr = json::array();
  for (const auto& e : h) {
    json row{{"epoch", e.epoch},
             {"train_loss", e.train_loss},
             {"seconds", e.seconds},
             {"samples_per_s", e.samples_per_s},
             {"lr", e.lr}};
    row["val_loss"] = e.val_loss < 0 ? json(nullptr) : json(e.val_loss);
    if (!e.terms.empty()) {
      json t = json::object();
      for (const auto& [name, v] : e.terms) t[name] = v;
      row["terms"] = t;
    }
    arr.push_back(row);
  }
  return arr;
}

std::vector<EpochStats> history_from_json(const json& j) {
  std::vector<EpochStats> h;
  if (!j.contains("history")) return h;
  for (const auto& row : j["history"]) {
    EpochStats e;
    e.epoch = row.value("epoch", int64_t{0});
    e.train_loss = row.value("train_loss", 0.0);
    e.val_loss = row["val_loss"].is_null() ? -1.0 : row.value("val_loss", -1.0);
    e.seconds = row.value("seconds", 0.0);
    e.samples_per_s = row.value("samples_per_s", 0.0);
    e.lr = row.value("lr", 0.0);
    if (row.contains("terms") && row["terms"].is_object())
      for (const auto& [name, v] : row["terms"].items())
        if (v.is_number()) e.terms.emplace_back(name, v.get<double>());
    h.push_back(e);
  }
  return h;
}

json metrics_json(const std::vector<EpochStats>& h, int64_t best_epoch, bool stopped_early) {
  return json{
      {"history", history_json(h)}, {"best_epoch", best_epoch}, {"stopped_early", stopped_early}};
}

void write_metrics_and_curve(const std::string& dir, const std::string& title,
                             const TrainResult& r) {
  const std::vector<EpochStats>& h = r.history;
  io::write_json_atomic(run::path_in(dir, "metrics.json"),
                        metrics_json(h, r.best_epoch, r.stopped_early));
  std::vector<double> tr, va;
  for (const auto& e : h) {
    tr.push_back(e.train_loss);
    if (e.val_loss >= 0) va.push_back(e.val_loss);
  }
  report::Chart c = report::loss_curve_chart(tr, va, title);
  report::write_png(c, run::path_in(dir, "loss_curve.png"));
  report::write_svg(c, run::path_in(dir, "loss_curve.svg"));
}

// ---- the steps of train() ----------------------------------------------------------------------

}  // namespace

TrainOptions options_from_run(const json& config, const std::string& origin) {
  TrainOptions o;
  try {
    const json& t = config.at("train");
    const json& d = config.at("data");
    o.data = d.at("spec").get<std::string>();
    o.classes = d.value("classes", std::string());
    o.limit = d.value("limit", int64_t{0});
    o.val_split = d.value("val_split", 0.1);
    o.seed = t.at("seed").get<uint64_t>();
    o.epochs = t.at("epochs").get<int64_t>();
    o.batch = t.at("batch").get<int64_t>();
    o.lr = t.at("lr").get<float>();
    o.loss = t.at("loss").get<std::string>();
    o.optimizer = config.at("optimizer").at("name").get<std::string>();
    o.weight_decay = config.at("optimizer").value("weight_decay", -1.0f);
    o.scaler = config.at("scaler").value("kind", std::string("none"));
    o.clip_grad_norm = t.value("clip_grad_norm", 0.0);
    o.min_steps = t.value("min_steps", int64_t{0});
  } catch (const json::exception& e) {
    throw Error(origin + ": malformed run config: " + io::json_error_text(e));
  }
  return o;
}

namespace {

// The options of the run being continued, read back from its config.json into `opt`: the run's
// own, except the epoch maximum and minimum steps when the flags give them.
void load_resumed_options(const json& prev, const std::string& cfg, TrainOptions& opt, json& conv) {
  const TrainOptions run = options_from_run(prev, cfg);
  opt.data = run.data;
  opt.classes = run.classes;
  opt.limit = run.limit;
  opt.val_split = run.val_split;
  opt.seed = run.seed;
  if (!opt.epochs) opt.epochs = run.epochs;
  opt.batch = run.batch;
  opt.lr = run.lr;
  opt.loss = run.loss;
  opt.optimizer = run.optimizer;
  opt.weight_decay = run.weight_decay;
  opt.scaler = run.scaler;
  opt.clip_grad_norm = run.clip_grad_norm;
  if (!opt.min_steps) opt.min_steps = run.min_steps;
  // Runs from before early stopping existed trained every epoch at a constant rate.
  const json& t = prev.at("train");
  conv = t.contains("convergence") ? t["convergence"]
                                   : json{{"patience", 0}, {"lr_schedule", "constant"}};
}

// Convergence settings: flag, else the resumed run's or the config's, else the built-ins.
ConvergenceOptions resolve_convergence(const TrainOptions& opt, const json& base,
                                       const std::string& origin) {
  ConvergenceOptions c = ConvergenceOptions::from_json(base, origin);
  if (opt.patience) c.patience = *opt.patience;
  if (opt.min_delta) c.min_delta = *opt.min_delta;
  if (opt.lr_schedule) c.schedule = *opt.lr_schedule;
  if (opt.warmup) c.warmup = *opt.warmup;
  if (opt.restore_best) c.restore_best = *opt.restore_best;
  c.check();
  return c;
}

Resolved resolve_options(const TrainOptions& opt, const json& defaults, const json& conv_base,
                         const std::string& origin) {
  Resolved r;
  r.epochs_given = opt.epochs.has_value();
  r.epochs = opt.epochs.value_or(default_from<int64_t>(defaults, "epochs", 100));
  r.batch = opt.batch.value_or(default_from<int64_t>(defaults, "batch", 64));
  r.lr = opt.lr.value_or(default_from<float>(defaults, "lr", 1e-3f));
  r.loss = opt.loss.value_or(default_from<std::string>(defaults, "loss", "mse"));
  r.optimizer = opt.optimizer.value_or(default_from<std::string>(defaults, "optimizer", "adam"));
  r.scaler = opt.scaler.value_or(default_from<std::string>(defaults, "scaler", "none"));
  r.min_steps = opt.min_steps.value_or(default_from<int64_t>(defaults, "min_steps", 0));
  r.conv = resolve_convergence(opt, conv_base, origin);
  if (r.epochs < 1) throw UsageError("--epochs must be at least 1");
  if (r.batch < 1) throw UsageError("--batch must be at least 1");
  if (r.min_steps < 0) throw UsageError("--min-steps must be 0 or more");
  if (!(opt.val_split >= 0.0 && opt.val_split < 1.0))
    throw UsageError("--val-split must be in [0, 1)");
  if (opt.threads < 0) throw UsageError("--threads must be 0 (all cores) or more");
  models::check_loss_name(r.loss, "--loss");
  return r;
}

// The train and validation parts of the data, scaled by the scaler fitted on the train part (or
// the resumed run's).
struct SplitData {
  data::Dataset train, val;
  data::Scaler scaler;
};

SplitData load_split(const TrainOptions& opt, const Resolved& r, const json* prev_scaler) {
  data::Dataset all =
      opt.rows ? *opt.rows : data::load(data::parse_spec(opt.data), data::Split::Train);
  if (!opt.classes.empty())
    all = data::filter_classes(all, data::parse_class_list(opt.classes, "--classes"), "--classes");
  if (opt.limit < 0) throw UsageError("--limit must be positive");
  if (opt.limit > 0) all = data::take_first(all, opt.limit);
  SplitData s;
  if (opt.val_rows) {
    if (opt.val_rows->features() != all.features())
      throw UsageError("validation_data: rows have " + std::to_string(opt.val_rows->features()) +
                       " features, the training rows " + std::to_string(all.features()));
    s.train = std::move(all);
    s.val = *opt.val_rows;
  } else {
    std::tie(s.train, s.val) = data::split_validation(all, opt.val_split, opt.seed + 2);
  }
  if (s.train.n == 0) throw Error("--data " + opt.data + ": no training samples left");
  if (prev_scaler) {
    s.scaler = data::Scaler::from_json(*prev_scaler);
  } else {
    s.scaler.kind = data::parse_scaler_kind(r.scaler, "--scaler");
    s.scaler.fit(s.train.x.data(), s.train.n, s.train.features());
  }
  s.scaler.transform(s.train.x.data(), s.train.n, s.train.features());
  s.scaler.transform(s.val.x.data(), s.val.n, s.val.features());
  return s;
}

// Errors for option combinations a CUDA graph cannot replay.
void check_graph_compatible(const TrainOptions& opt, const models::ModelSpec& spec,
                            const models::NoiseConfig& noise, const models::Autoencoder& model) {
  if (opt.clip_grad_norm > 0)
    throw UsageError(
        "--cuda-graph cannot be combined with --clip-grad-norm (the norm is read on "
        "the host every step)");
  if (spec.json.value("dropout", 0.0) > 0.0)
    throw UsageError(
        "--cuda-graph cannot train a model with dropout (a captured step would replay "
        "the same dropout mask every time); drop --cuda-graph or set dropout to 0");
  if ((noise.enabled && !noise.deterministic()) || model.uses_randomness())
    throw UsageError(
        std::string("--cuda-graph cannot train a model that draws random numbers every "
                    "step (") +
        (noise.enabled ? "input noise" : "a VAE's sampling") +
        "): a captured step would replay the same numbers; drop --cuda-graph");
}

// The run folder of a new run: refused when taken (without force), emptied of a stale detector.
std::string prepare_out_dir(const TrainOptions& opt, const std::string& model_name,
                            const std::string& data_kind) {
  std::string dir = opt.out.empty() ? default_out_dir(model_name, data_kind) : opt.out;
  // A folder whose first epoch never finished holds nothing to keep: reused without --force.
  if (fs::exists(dir) && !opt.force && !run::is_unfinished_run(dir))
    throw Error("--out " + dir + ": already exists (use --force to overwrite, or --resume " + dir +
                ")");
  std::error_code ec;
  // The replaced run's files: a detector fitted on its weights would no longer match them, its
  // last.safetensors would be resumed from, and its manifest would name files of another run.
  if (fs::is_directory(dir)) run::recover_run_folder(dir);  // drops staged files and temporaries
  for (const char* stale : {"detector.json", "detector_codes.safetensors", run::kLastCheckpoint,
                            run::kManifest, run::kCheckpoint, run::kOptimizer, "metrics.json"})
    fs::remove(fs::path(dir) / stale, ec);
  fs::create_directories(dir, ec);
  if (ec) throw Error("--out " + dir + ": cannot create: " + ec.message());
  return dir;
}

json run_config(const models::ModelSpec& spec, const TrainOptions& opt, const Resolved& r,
                const SplitData& d, int64_t max_epochs) {
  return json{
      {"hourglass_version", HG_VERSION},
      {"model", spec.json},
      {"data",
       {{"spec", opt.data},
        {"classes", opt.classes},
        {"limit", opt.limit},
        {"val_split", opt.val_split},
        {"features", d.train.features()},
        {"sample_shape", d.train.sample_shape}}},
      {"scaler", d.scaler.to_json()},
      {"optimizer", {{"name", r.optimizer}, {"lr", r.lr}, {"weight_decay", opt.weight_decay}}},
      {"train",
       {{"epochs", max_epochs},
        {"batch", r.batch},
        {"lr", r.lr},
        {"loss", r.loss},
        {"seed", opt.seed},
        {"clip_grad_norm", opt.clip_grad_norm},
        {"min_steps", r.min_steps},
        {"convergence", r.conv.to_json()},
        {"threads", host::num_threads()}}}};
}

// The loss early stopping and the plateau schedule watch: validation, else training.
std::vector<double> monitored_losses(const std::vector<EpochStats>& h) {
  std::vector<double> m;
  for (const auto& e : h) m.push_back(e.val_loss >= 0 ? e.val_loss : e.train_loss);
  return m;
}

void log_epoch(std::ostream& log, const EpochStats& st, int64_t max_epochs, double eta, bool best) {
  log << "epoch " << st.epoch << "/" << max_epochs << "  train " << fmt::num(st.train_loss, 5);
  if (!st.terms.empty()) {
    log << " (";
    for (size_t i = 0; i < st.terms.size(); ++i)
      log << (i ? " " : "") << st.terms[i].first << " " << fmt::num(st.terms[i].second, 5);
    log << ")";
  }
  if (st.val_loss >= 0) log << "  val " << fmt::num(st.val_loss, 5);
  log << (best ? " *" : "  ") << " lr " << fmt::num(st.lr, 3) << "  "
      << fmt::fixed(st.samples_per_s, 0) << " samples/s  " << fmt::fixed(st.seconds, 2)
      << " s  ETA " << fmt::duration(eta) << "\n";
  log.flush();
}

void check_finite(double loss, const char* which, int64_t epoch, float lr) {
  if (std::isfinite(loss)) return;
  throw Error("epoch " + std::to_string(epoch) + ": the " + which + " loss became " +
              (std::isnan(loss) ? "NaN" : "infinite") + "; try a lower learning rate (--lr, now " +
              fmt::num(lr) + ")");
}

// One optimizer step per batch, eagerly or (--cuda-graph, full batches) as a replayed CUDA graph:
// full batches are copied into one static input buffer and run as one captured step, after an
// eager warm-up step that fills the allocator's cache; a short last batch runs eagerly. Every
// kernel goes to the graph's stream. A new learning rate is a new kernel argument, so the graph is
// captured again after every change (see engine/tensor/cuda_graph.h).
class StepRunner {
 public:
  StepRunner(models::Autoencoder& model, optim::Optimizer& optimizer,
             const models::NoiseConfig& noise, const TrainOptions& opt, const Resolved& r,
             Device device, int64_t D, int64_t global_step, dist::GradientAverager* averager)
      : model_(model),
        opt_(optimizer),
        noise_(noise),
        loss_(r.loss),
        clip_(opt.clip_grad_norm),
        device_(device),
        batch_(r.batch),
        D_(D),
        global_step_(global_step),
        noise_seed_(mix_seed(opt.seed ^ 0x6e6f697365ULL)),
        averager_(averager),
        loss_sum_(Tensor::zeros({}, device)) {
    if (opt.cuda_graph && device.is_cuda()) {
      use_graph_ = true;
      optimizer.set_device_step(true);
      x_static_ = Tensor::empty({r.batch, D}, device);
      new_graph();
    }
  }

  void set_lr(float lr) {
    if (lr == opt_.lr()) return;
    opt_.set_lr(lr);
    if (use_graph_ && graph_->captured()) new_graph();
  }

  void begin_epoch() {
    loss_sum_.fill_(0.0f);
    for (auto& ts : term_sums_) ts.second.fill_(0.0f);
  }

  // One optimizer step on this rank's `rows` of a global batch of `batch_rows` (all of it in one
  // process). `stop`: this rank saw Ctrl-C; returns whether any rank did (after the step, which
  // every rank takes, so they stay in step).
  bool run(const Tensor& x, int64_t rows, int64_t batch_rows, bool stop) {
    if (averager_) {
      step(x, rows, batch_rows, &stop);
      return stop;
    }
    run_local(x, rows);
    return stop;
  }

  double epoch_loss(int64_t n) const { return global_sum(loss_sum_) / static_cast<double>(n); }
  std::vector<std::pair<std::string, double>> epoch_terms(int64_t n) const {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& [name, t] : term_sums_)
      out.emplace_back(name, global_sum(t) / static_cast<double>(n));
    return out;
  }
  double first_step_loss() const { return first_step_.defined() ? global_sum(first_step_) : -1.0; }

 private:
  // A device scalar summed over the ranks (every rank calls it at the same point).
  static double global_sum(const Tensor& t) {
    double v = t.item();
    dist::allreduce_sum(&v, 1);
    return v;
  }

  void run_local(const Tensor& x, int64_t rows) {
    if (!use_graph_ || rows != batch_) return step(x, rows, rows, nullptr);
    copy_memory(x_static_.data(), device_, x.data(), device_, sizeof(float) * rows * D_);
    if (graph_->captured()) {
      graph_->replay();
      opt_.replayed();
    } else if (!warmed_up_) {
      step(x_static_, rows, rows, nullptr);
      warmed_up_ = true;
    } else {
      graph_->capture([&] { step(x_static_, rows, rows, nullptr); });
      graph_->replay();  // the captured step has not run yet: this runs it (its host part ran)
    }
  }

  void new_graph() {
    scope_.reset();
    graph_ = std::make_unique<CudaGraph>();
    scope_ = std::make_unique<CudaGraph::StreamScope>(*graph_);
    warmed_up_ = false;
  }

  // `x` holds this rank's `rows` of the batch (one placeholder row when it has none: its weight,
  // rows / batch_rows, is then 0). With an averager, the gradients become the whole batch's.
  void step(const Tensor& x, int64_t rows, int64_t batch_rows, bool* stop) {
    const Tensor input =
        models::apply_noise(noise_, x, noise_seed_ + static_cast<uint64_t>(global_step_++));
    models::LossParts lp = model_.objective(input, x, loss_);
    opt_.zero_grad();
    lp.total.backward();
    const float share = static_cast<float>(rows) / static_cast<float>(batch_rows);
    if (averager_) *stop = averager_->average(share, *stop);
    if (clip_ > 0) optim::clip_grad_norm(model_.named_parameters(), clip_);
    opt_.step();
    ops::axpy_(loss_sum_, static_cast<float>(rows), lp.total);
    if (!first_step_.defined()) first_step_ = ops::mul_scalar(lp.total, share);
    if (lp.terms.size() <= 1) return;
    if (term_sums_.empty())
      for (const auto& [name, t] : lp.terms)
        term_sums_.emplace_back(name, Tensor::zeros({}, device_));
    for (size_t i = 0; i < term_sums_.size() && i < lp.terms.size(); ++i)
      ops::axpy_(term_sums_[i].second, static_cast<float>(rows), lp.terms[i].second);
  }

  models::Autoencoder& model_;
  optim::Optimizer& opt_;
  const models::NoiseConfig& noise_;
  std::string loss_;
  double clip_;
  Device device_;
  int64_t batch_, D_, global_step_;
  uint64_t noise_seed_;
  dist::GradientAverager* averager_;  // null in one process
  // The epoch's loss is summed on the loss's device: the host waits on it once per epoch.
  Tensor loss_sum_, first_step_;
  // The objective's parts, summed the same way (created at the first step, which names them).
  std::vector<std::pair<std::string, Tensor>> term_sums_;
  bool use_graph_ = false, warmed_up_ = false;
  Tensor x_static_;
  std::unique_ptr<CudaGraph> graph_;
  std::unique_ptr<CudaGraph::StreamScope> scope_;
};

// --binary-latent SIGMA laid over the config: the flag asks for a sigmoid binary code, so it
// replaces the config's latent activation; what cannot have one (conv, vae) is refused by name.
models::ModelSpec with_binary_latent(const models::ModelSpec& spec, float sigma) {
  if (spec.type != "mlp")
    throw UsageError("--binary-latent: " + spec.origin + " is a " + spec.type +
                     " model; binary codes are built for MLP models (\"type\": \"mlp\")");
  json j = spec.json;
  j["binary_latent"] = sigma, j["latent_activation"] = "sigmoid";
  return models::model_spec_from_json(j, spec.origin);
}

// The model to train. With --resume, also the run's options (into `opt`) and its config.json
// (`prev`); `conv_base` gets the convergence settings the flags are laid over.
models::ModelSpec read_model_spec(TrainOptions& opt, json& prev, json& conv_base) {
  models::ModelSpec spec;
  if (!opt.resume.empty()) {
    const std::string cfg = run::path_in(opt.resume, "config.json");
    if (!fs::is_directory(opt.resume))
      throw Error("--resume " + opt.resume + ": no such run folder");
    if (!fs::exists(cfg))
      throw Error("--resume " + opt.resume + ": no config.json (not a run folder)");
    prev = io::read_json(cfg);
    try {
      spec = models::model_spec_from_json(prev.at("model"), cfg);
    } catch (const json::exception& e) {
      throw Error(cfg + ": malformed run config: " + e.what());
    }
    load_resumed_options(prev, cfg, opt, conv_base);
    opt.out = opt.resume;
  } else {
    if (opt.data.empty() && !opt.rows) throw UsageError("--data is required");
    if (opt.config.empty()) throw UsageError("--config is required");
    spec = models::load_model_spec(opt.config);
    if (opt.binary_latent > 0) spec = with_binary_latent(spec, opt.binary_latent);
    conv_base = spec.json.value("defaults", json::object());
  }
  return spec;
}

// Refused before the run folder is touched: what this model cannot train with these options.
void check_trainable(const TrainOptions& opt, const Resolved& r, const models::ModelSpec& spec,
                     const models::NoiseConfig& noise, const models::Autoencoder& model,
                     const data::Dataset& train, Device device) {
  if (opt.cuda_graph && device.is_cuda()) check_graph_compatible(opt, spec, noise, model);
  if (r.loss == "bce") {
    models::recon_kind(r.loss, model.output_act());  // errors early for an unsuitable output
    check_unit_range(train, "--loss");
  }
}

int64_t epoch_limit(const Resolved& r, int64_t steps_per_epoch) {
  int64_t max_epochs = r.epochs;
  if (r.min_steps > 0 && !r.epochs_given)  // small tables: enough optimizer steps to converge
    max_epochs = std::max(max_epochs, (r.min_steps + steps_per_epoch - 1) / steps_per_epoch);
  return max_epochs;
}

std::unique_ptr<optim::Optimizer> make_run_optimizer(const Resolved& r, const TrainOptions& opt,
                                                     models::Autoencoder& model) {
  optim::OptimizerConfig oc;
  oc.name = r.optimizer;
  oc.lr = r.lr;
  oc.weight_decay = opt.weight_decay;
  return optim::make_optimizer(oc, model.named_parameters());
}

TrainResult start_result(const std::string& dir, Device device, const models::Autoencoder& model,
                         const SplitData& d, int64_t max_epochs) {
  TrainResult result;
  result.out_dir = dir;
  result.device = device.str();
  result.parameters = model.parameter_count();
  result.train_samples = d.train.n;
  result.val_samples = d.val.n;
  result.max_epochs = max_epochs;
  return result;
}

// --resume: the weights, optimizer state and history of the last epoch saved; returns that epoch.
int64_t load_resume_state(const std::string& dir, models::Autoencoder& model,
                          optim::Optimizer& optimizer, int64_t max_epochs, TrainResult& result,
                          std::ostream& log) {
  const bool has_last = fs::exists(run::path_in(dir, run::kLastCheckpoint));
  const int64_t start_epoch =
      run::load_checkpoint(dir, model, has_last ? run::kLastCheckpoint : run::kCheckpoint);
  if (!run::load_optimizer(dir, optimizer, start_epoch))
    log << "resume: no optimizer state for epoch " << start_epoch << "; moments restart\n";
  const std::string metrics = run::path_in(dir, "metrics.json");
  try {
    result.history = history_from_json(io::read_json(metrics));
  } catch (const json::exception& e) {
    throw Error(metrics + ": malformed metrics: " + io::json_error_text(e));
  }
  if (static_cast<int64_t>(result.history.size()) > start_epoch) result.history.resize(start_epoch);
  if (start_epoch >= max_epochs)
    throw UsageError("--epochs " + std::to_string(max_epochs) + ": the run already has " +
                     std::to_string(start_epoch) + " epochs; ask for more to continue it");
  return start_epoch;
}

// The learning rate and best epoch a resumed run's history leads to (those of a new run when it
// has none); refuses a run that early stopping already ended.
ConvergenceState replay_history(const Resolved& r, int64_t max_epochs, int64_t start_epoch,
                                const std::string& dir, TrainResult& result) {
  ConvergenceState cs = replay(r.conv, r.lr, max_epochs, monitored_losses(result.history));
  result.best_epoch = cs.best_epoch;
  if (cs.stop)
    throw UsageError("--resume " + dir + ": early stopping already ended this run at epoch " +
                     std::to_string(start_epoch) + " (no improvement for " +
                     std::to_string(r.conv.patience) +
                     " epochs); pass a larger --patience, or --patience 0, to train on");
  return cs;
}

void log_run_header(std::ostream& log, const models::ModelSpec& spec, const Resolved& r,
                    const TrainResult& result, const SplitData& d, int64_t max_epochs,
                    const std::string& dir) {
  log << spec.name << ": " << result.parameters << " parameters, " << d.train.n << " training and "
      << d.val.n << " validation samples, at most " << max_epochs << " epochs (patience "
      << r.conv.patience << ", lr " << r.conv.schedule << "), batch " << r.batch << ", "
      << r.optimizer << " lr " << r.lr << ", loss " << r.loss << ", " << host::num_threads()
      << " threads -> " << dir << "\n";
}

// Data live on the training device for the whole run; each epoch gathers a shuffled copy once
// and its batches are views into it (no per-step copies, no host round trip).
struct DeviceData {
  DeviceData(const SplitData& d, Device device, uint64_t seed, int64_t start_epoch)
      : train_x(dataset_tensor(d.train, device)),
        val_x(dataset_tensor(d.val, device)),
        shuffled(Tensor::empty({d.train.n, d.train.features()}, device)),
        order_dev(static_cast<size_t>(d.train.n) * sizeof(int64_t), device),
        order_rng(seed + 1) {
    for (int64_t e = 0; e < start_epoch; ++e)
      next_order(order_rng, d.train.n);  // as in an unbroken run
  }
  const Tensor train_x, val_x;
  Tensor shuffled;
  Storage order_dev;
  Rng order_rng;
};

// What the epochs share: train()'s set-up, by reference, and what the epochs carry forward.
struct EpochLoop {
  const Resolved& r;
  models::Autoencoder& model;
  optim::Optimizer& optimizer;
  StepRunner& steps;
  DeviceData& data;
  const models::NoiseConfig& noise;
  TrainResult& result;
  std::ostream& log;
  const std::string& dir;
  Device device;
  int64_t N, val_n, max_epochs;
  ConvergenceState cs;
  Clock::time_point t_start;
  double train_seconds = 0;
  int64_t samples_seen = 0;
};

// One pass over a fresh shuffle of the training rows at `lr`; returns the rows it stepped on
// (fewer when interrupted).
int64_t run_steps(EpochLoop& l, float lr) {
  DeviceData& dd = l.data;
  l.steps.set_lr(lr);
  const std::vector<int64_t> order = next_order(dd.order_rng, l.N);
  copy_memory(dd.order_dev.data(), l.device, order.data(), Device::cpu(),
              order.size() * sizeof(int64_t));
  ops::gather_rows_into(dd.train_x, static_cast<const int64_t*>(dd.order_dev.data()), dd.shuffled);
  l.steps.begin_epoch();
  int64_t n_seen = 0;
  const std::string at = "training " + l.dir;  // the safe point's name, for interrupt's test hook
  const bool one_process = dist::size() == 1;
  bool stop = false;
  for (int64_t start = 0; start < l.N && !stop; start += l.r.batch) {
    const bool signalled = interrupt::poll(at);
    if (one_process && signalled) break;  // across ranks, the step below carries the vote
    const int64_t rows = std::min<int64_t>(l.r.batch, l.N - start);
    // This rank's contiguous share of the global batch (the same rows one process would use).
    const auto [first, last] = dist::row_share(rows);
    const int64_t lo = start + first, hi = start + last;
    const Tensor mine = dd.shuffled.slice_rows(hi > lo ? lo : start, hi > lo ? hi - lo : 1);
    stop = l.steps.run(mine, hi - lo, rows, signalled);
    n_seen += rows;
  }
  if (stop && !interrupt::requested()) interrupt::request();  // another rank saw the signal
  return n_seen;
}

EpochStats epoch_stats(EpochLoop& l, int64_t epoch, Clock::time_point t0, int64_t n_seen) {
  EpochStats st;
  st.epoch = epoch;
  st.lr = l.cs.next_lr;
  st.train_loss = l.steps.epoch_loss(n_seen);
  check_finite(st.train_loss, "training", epoch, static_cast<float>(st.lr));
  st.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  st.samples_per_s = static_cast<double>(n_seen) / st.seconds;
  st.terms = l.steps.epoch_terms(n_seen);
  st.val_loss = evaluate_loss(l.model, l.data.val_x, l.r.loss, l.noise);
  if (l.val_n > 0) check_finite(st.val_loss, "validation", epoch, static_cast<float>(st.lr));
  return st;
}

// After the epoch joined the history: the convergence state, then the files. Returns whether
// the epoch is the best so far.
bool save_epoch(EpochLoop& l, int64_t epoch) {
  const Resolved& r = l.r;
  l.cs = replay(r.conv, r.lr, l.max_epochs, monitored_losses(l.result.history));
  const bool is_best = l.cs.best_epoch == epoch;
  l.result.best_epoch = r.conv.restore_best ? l.cs.best_epoch : epoch;
  l.result.stopped_early = l.cs.stop && epoch < l.max_epochs;
  // The offered weights, what --resume needs and the metrics naming both, committed together.
  const auto name_of = [](const std::string& path) { return fs::path(path).filename().string(); };
  std::vector<run::EpochFile> files;
  if (!r.conv.restore_best || is_best)
    files.push_back({run::kCheckpoint, [&](const std::string& p) {
                       run::save_checkpoint(l.dir, l.model, epoch, name_of(p));
                     }});
  if (r.conv.restore_best)
    files.push_back({run::kLastCheckpoint, [&](const std::string& p) {
                       run::save_checkpoint(l.dir, l.model, epoch, name_of(p));
                     }});
  files.push_back({run::kOptimizer, [&](const std::string& p) {
                     run::save_optimizer(l.dir, l.optimizer, epoch, name_of(p));
                   }});
  files.push_back({"metrics.json", [&](const std::string& p) {
                     io::write_json_atomic(p, metrics_json(l.result.history, l.result.best_epoch,
                                                           l.result.stopped_early));
                   }});
  if (dist::rank() == 0) run::commit_epoch(l.dir, epoch, files);
  return is_best;
}

// One epoch; false when training ends with it (interrupted, or early stopping).
bool run_epoch(EpochLoop& l, int64_t epoch) {
  const auto t0 = Clock::now();
  const int64_t n_seen = run_steps(l, static_cast<float>(l.cs.next_lr));
  if (interrupt::requested()) {
    l.result.interrupted = true;
    if (epoch > 1)
      l.log << "interrupted in epoch " << epoch << "; keeping the checkpoint of epoch " << epoch - 1
            << " in " << l.dir << "\n";
    else
      l.log << "interrupted in epoch 1: no epoch finished, nothing is kept; train again with --out "
            << l.dir << " (no --force needed)\n";
    return false;
  }
  const EpochStats st = epoch_stats(l, epoch, t0, n_seen);
  l.train_seconds += st.seconds;
  l.samples_seen += n_seen;
  l.result.history.push_back(st);
  ++l.result.epochs_this_call;

  const bool is_best = save_epoch(l, epoch);
  const double elapsed = std::chrono::duration<double>(Clock::now() - l.t_start).count();
  const double eta = elapsed / static_cast<double>(l.result.epochs_this_call) *
                     static_cast<double>(l.max_epochs - epoch);
  log_epoch(l.log, st, l.max_epochs, eta, is_best && l.r.conv.restore_best);
  if (l.cs.stop) {
    l.log << "early stopping: no improvement of the " << (l.val_n > 0 ? "validation" : "training")
          << " loss for " << l.r.conv.patience << " epochs; keeping epoch " << l.cs.best_epoch
          << " (loss " << fmt::num(l.cs.best_loss, 5) << ")\n";
    return false;
  }
  return true;
}

// The call's totals, and the loss curve beside the final metrics.json.
void finish_run(EpochLoop& l, const std::string& model_name, const std::string& data) {
  TrainResult& result = l.result;
  result.first_step_loss = l.steps.first_step_loss();
  result.seconds = std::chrono::duration<double>(Clock::now() - l.t_start).count();
  result.samples_per_s =
      l.train_seconds > 0 ? static_cast<double>(l.samples_seen) / l.train_seconds : 0;
  if (!result.history.empty() && dist::rank() == 0)
    write_metrics_and_curve(l.dir, model_name + " on " + data, result);
}

// The run folder's path on every rank: rank 0 makes it (or checks it, resuming), the others
// receive its name; a failure on rank 0 ends the job (mpirun stops the other ranks).
std::string shared_run_dir(const TrainOptions& opt, const models::ModelSpec& spec, bool resuming) {
  std::string dir;
  if (dist::rank() == 0) {
    dir = resuming
              ? opt.out
              : prepare_out_dir(opt, spec.name,
                                opt.rows ? std::string("array") : data::parse_spec(opt.data).kind);
    if (resuming) run::recover_run_folder(dir);  // a kill between an epoch's files: agreement
  }
  int64_t n = static_cast<int64_t>(dir.size());
  dist::broadcast(&n, sizeof n);
  dir.resize(static_cast<size_t>(n));
  dist::broadcast(dir.data(), n);
  return dir;
}

// What data parallelism needs before the first step: equal weights on every rank (rank 0's) and
// the gradient averager; null in one process.
std::unique_ptr<dist::GradientAverager> start_data_parallel(const TrainOptions& opt, Device device,
                                                            models::Autoencoder& model) {
  if (dist::size() == 1) return nullptr;
  if (device.is_cuda())
    throw UsageError("--device " + opt.device +
                     ": data-parallel training runs on CPU ranks in "
                     "this build (NCCL for GPU ranks is not wired in yet); pass --device cpu");
  if (opt.cuda_graph) throw UsageError("--cuda-graph: not with data-parallel training");
  dist::broadcast_tensors(model.named_state());
  return std::make_unique<dist::GradientAverager>(model.named_parameters());
}

// A stream that discards everything: the log of ranks other than 0.
std::ostream& null_log() {
  static std::ostream sink(nullptr);
  return sink;
}

}  // namespace

TrainResult train(const TrainOptions& opt_in, std::ostream& log_in) {
  interrupt::install();  // early, so Ctrl-C during data loading also stops cleanly
  std::ostream& log = dist::rank() == 0 ? log_in : null_log();
  TrainOptions opt = opt_in;
  const bool resuming = !opt.resume.empty();
  json prev;       // the resumed run's config.json
  json conv_base;  // the convergence settings of the resumed run, or of the config's defaults
  models::ModelSpec spec = read_model_spec(opt, prev, conv_base);
  const std::string origin = resuming ? opt.resume + "/config.json" : opt.config;
  const Resolved r =
      resolve_options(opt, spec.json.value("defaults", json::object()), conv_base, origin);

  host::set_num_threads(opt.threads);
  const Device device = resolve_device(opt.device, log);
  ops::check_kernels_run_on(device);
  if (opt.cuda_graph && !device.is_cuda()) log << "--cuda-graph: ignored on the CPU\n";

  SplitData d = load_split(opt, r, resuming ? &prev.at("scaler") : nullptr);
  models::resolve_input(spec, d.train.features(), origin);
  Rng rng(opt.seed);
  auto model = models::build_model(spec, rng);
  const models::NoiseConfig noise = models::noise_config(spec.json, origin);
  check_trainable(opt, r, spec, noise, *model, d.train, device);

  const int64_t D = d.train.features(), N = d.train.n;
  const int64_t steps_per_epoch = (N + r.batch - 1) / r.batch;
  const int64_t max_epochs = epoch_limit(r, steps_per_epoch);
  const std::string dir = shared_run_dir(opt, spec, resuming);
  auto optimizer = make_run_optimizer(r, opt, *model);
  TrainResult result = start_result(dir, device, *model, d, max_epochs);

  // Parameters move before any state is loaded, so the optimizer's slots are made on the device.
  model->to(device);
  const int64_t start_epoch =
      resuming ? load_resume_state(dir, *model, *optimizer, max_epochs, result, log) : 0;
  const ConvergenceState cs = replay_history(r, max_epochs, start_epoch, dir, result);
  const auto averager = start_data_parallel(opt, device, *model);
  result.ranks = dist::size();
  if (averager) result.grad_bytes_per_step = averager->bytes_per_step();

  if (dist::rank() == 0)
    io::write_json_atomic(run::path_in(dir, "config.json"),
                          run_config(spec, opt, r, d, max_epochs));
  log_run_header(log, spec, r, result, d, max_epochs, dir);

  DeviceData data(d, device, opt.seed, start_epoch);
  if (auto* vae = dynamic_cast<models::Vae*>(model.get()))  // a resumed run draws new samples
    vae->reseed(mix_seed(opt.seed + 0x7661ULL * static_cast<uint64_t>(start_epoch + 1)));
  StepRunner steps(*model, *optimizer, noise, opt, r, device, D, start_epoch * steps_per_epoch,
                   averager.get());
  EpochLoop loop{r,   *model, *optimizer, steps,   data,       noise, result,      log,
                 dir, device, N,          d.val.n, max_epochs, cs,    Clock::now()};
  model->train();
  for (int64_t epoch = start_epoch + 1; epoch <= max_epochs; ++epoch)
    if (!run_epoch(loop, epoch)) break;
  finish_run(loop, spec.name, opt.data);
  if (averager) result.comm_seconds = averager->wait_seconds();
  return result;
}

}  // namespace hg::train
