#include "apps/train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <ostream>

#include "apps/report/chart.h"
#include "apps/run/run_folder.h"
#include "engine/autograd/autograd.h"
#include "engine/data/dataset.h"
#include "engine/ops/backend.h"
#include "engine/data/spec.h"
#include "engine/io/atomic_file.h"
#include "engine/tensor/cuda_graph.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/counter_hash.h"
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
  j["final_val_loss"] =
      history.empty() || history.back().val_loss < 0 ? json(nullptr) : json(history.back().val_loss);
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
  j["threads"] = kernels::cpu::num_threads();
  j["interrupted"] = interrupted;
  return j;
}

namespace {

// Options as they will be stored in config.json (flags over config defaults over built-ins).
struct Resolved {
  int64_t epochs = 10, batch = 64;
  float lr = 1e-3f;
  std::string loss = "mse", optimizer = "adam", scaler = "none";
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

// The training objective (clean inputs) averaged over a whole data set, without gradients, in
// chunks of rows.
double evaluate_loss(models::Autoencoder& model, const Tensor& all, const std::string& loss) {
  const int64_t n = all.size(0);
  if (n == 0) return -1;
  autograd::NoGradGuard no_grad;
  model.eval();
  Tensor total = Tensor::zeros({}, all.device());
  for (int64_t start = 0; start < n; start += 1024) {
    const int64_t rows = std::min<int64_t>(1024, n - start);
    Tensor x = all.slice_rows(start, rows);
    ops::axpy_(total, static_cast<float>(rows), model.objective(x, x, loss).total);
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
    json row{{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"seconds", e.seconds},
             {"samples_per_s", e.samples_per_s}};
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
    if (row.contains("terms") && row["terms"].is_object())
      for (const auto& [name, v] : row["terms"].items())
        if (v.is_number()) e.terms.emplace_back(name, v.get<double>());
    h.push_back(e);
  }
  return h;
}

void write_metrics_and_curve(const std::string& dir, const std::string& title,
                             const std::vector<EpochStats>& h) {
  io::write_json_atomic(run::path_in(dir, "metrics.json"), json{{"history", history_json(h)}});
  std::vector<double> tr, va;
  for (const auto& e : h) {
    tr.push_back(e.train_loss);
    if (e.val_loss >= 0) va.push_back(e.val_loss);
  }
  report::Chart c = report::loss_curve_chart(tr, va, title);
  report::write_png(c, run::path_in(dir, "loss_curve.png"));
  report::write_svg(c, run::path_in(dir, "loss_curve.svg"));
}

}  // namespace

TrainResult train(const TrainOptions& opt_in, std::ostream& log) {
  interrupt::install();  // early, so Ctrl-C during data loading also stops cleanly
  TrainOptions opt = opt_in;
  const bool resuming = !opt.resume.empty();
  json prev;  // the resumed run's config.json
  models::ModelSpec spec;
  if (resuming) {
    const std::string cfg = run::path_in(opt.resume, "config.json");
    if (!fs::is_directory(opt.resume)) throw Error("--resume " + opt.resume + ": no such run folder");
    if (!fs::exists(cfg)) throw Error("--resume " + opt.resume + ": no config.json (not a run folder)");
    prev = io::read_json(cfg);
    try {
      spec = models::model_spec_from_json(prev.at("model"), cfg);
      const json& t = prev.at("train");
      const json& d = prev.at("data");
      opt.data = d.at("spec").get<std::string>();
      opt.classes = d.value("classes", std::string());
      opt.limit = d.value("limit", int64_t{0});
      opt.val_split = d.value("val_split", 0.1);
      opt.seed = t.at("seed").get<uint64_t>();
      if (!opt.epochs) opt.epochs = t.at("epochs").get<int64_t>();
      opt.batch = t.at("batch").get<int64_t>();
      opt.lr = t.at("lr").get<float>();
      opt.loss = t.at("loss").get<std::string>();
      opt.optimizer = prev.at("optimizer").at("name").get<std::string>();
      opt.weight_decay = prev.at("optimizer").value("weight_decay", -1.0f);
      opt.scaler = prev.at("scaler").value("kind", std::string("none"));
      opt.clip_grad_norm = t.value("clip_grad_norm", 0.0);
    } catch (const json::exception& e) {
      throw Error(cfg + ": malformed run config: " + e.what());
    }
    opt.out = opt.resume;
  } else {
    if (opt.data.empty()) throw UsageError("--data is required");
    if (opt.config.empty()) throw UsageError("--config is required");
    spec = models::load_model_spec(opt.config);
  }

  // Resolve every option: flag, else the config's "defaults", else a built-in default.
  const json defaults = spec.json.value("defaults", json::object());
  Resolved r;
  r.epochs = opt.epochs.value_or(default_from<int64_t>(defaults, "epochs", 10));
  r.batch = opt.batch.value_or(default_from<int64_t>(defaults, "batch", 64));
  r.lr = opt.lr.value_or(default_from<float>(defaults, "lr", 1e-3f));
  r.loss = opt.loss.value_or(default_from<std::string>(defaults, "loss", "mse"));
  r.optimizer = opt.optimizer.value_or(default_from<std::string>(defaults, "optimizer", "adam"));
  r.scaler = opt.scaler.value_or(default_from<std::string>(defaults, "scaler", "none"));
  if (r.epochs < 1) throw UsageError("--epochs must be at least 1");
  if (r.batch < 1) throw UsageError("--batch must be at least 1");
  if (!(opt.val_split >= 0.0 && opt.val_split < 1.0))
    throw UsageError("--val-split must be in [0, 1)");
  if (opt.threads < 0) throw UsageError("--threads must be 0 (all cores) or more");
  models::check_loss_name(r.loss, "--loss");
  const data::ScalerKind scaler_kind = data::parse_scaler_kind(r.scaler, "--scaler");

  kernels::cpu::set_num_threads(opt.threads);
  const Device device = resolve_device(opt.device, log);
  const bool use_graph = opt.cuda_graph && device.is_cuda();
  if (opt.cuda_graph && !device.is_cuda()) log << "--cuda-graph: ignored on the CPU\n";
  if (use_graph && opt.clip_grad_norm > 0)
    throw UsageError("--cuda-graph cannot be combined with --clip-grad-norm (the norm is read on "
                     "the host every step)");

  // Data: train split, class filter, limit, validation split, scaler fitted on the train part.
  const data::DataSpec dspec = data::parse_spec(opt.data);
  data::Dataset all = data::load(dspec, data::Split::Train);
  if (!opt.classes.empty())
    all = data::filter_classes(all, data::parse_class_list(opt.classes, "--classes"), "--classes");
  if (opt.limit < 0) throw UsageError("--limit must be positive");
  if (opt.limit > 0) all = data::take_first(all, opt.limit);
  auto [train_set, val_set] = data::split_validation(all, opt.val_split, opt.seed + 2);
  if (train_set.n == 0) throw Error("--data " + opt.data + ": no training samples left");
  data::Scaler scaler;
  if (resuming) {
    scaler = data::Scaler::from_json(prev.at("scaler"));
  } else {
    scaler.kind = scaler_kind;
    scaler.fit(train_set.x.data(), train_set.n, train_set.features());
  }
  scaler.transform(train_set.x.data(), train_set.n, train_set.features());
  scaler.transform(val_set.x.data(), val_set.n, val_set.features());
  const std::string origin = resuming ? opt.resume + "/config.json" : opt.config;
  models::resolve_input(spec, train_set.features(), origin);
  Rng rng(opt.seed);
  auto model = models::build_model(spec, rng);
  if (use_graph && spec.json.value("dropout", 0.0) > 0.0)
    throw UsageError("--cuda-graph cannot train a model with dropout (a captured step would replay "
                     "the same dropout mask every time); drop --cuda-graph or set dropout to 0");
  const models::NoiseConfig noise = models::noise_config(spec.json, origin);
  if (use_graph && (noise.enabled || model->uses_randomness()))
    throw UsageError(std::string("--cuda-graph cannot train a model that draws random numbers every "
                                 "step (") + (noise.enabled ? "input noise" : "a VAE's sampling") +
                     "): a captured step would replay the same numbers; drop --cuda-graph");
  if (r.loss == "bce") {
    models::recon_kind(r.loss, model->output_act());  // errors early for an unsuitable output
    check_unit_range(train_set, "--loss");
  }

  // Run folder.
  std::string dir = opt.out.empty() ? default_out_dir(spec.name, dspec.kind) : opt.out;
  if (!resuming) {
    if (fs::exists(dir) && !opt.force)
      throw Error("--out " + dir + ": already exists (use --force to overwrite, or --resume " + dir + ")");
    std::error_code ec;
    // A detector fitted on the weights being replaced would no longer match them: drop it.
    for (const char* stale : {"detector.json", "detector_codes.safetensors"}) fs::remove(fs::path(dir) / stale, ec);
    fs::create_directories(dir, ec);
    if (ec) throw Error("--out " + dir + ": cannot create: " + ec.message());
  }

  optim::OptimizerConfig oc;
  oc.name = r.optimizer;
  oc.lr = r.lr;
  oc.weight_decay = opt.weight_decay;
  auto optimizer = optim::make_optimizer(oc, model->named_parameters());

  TrainResult result;
  result.out_dir = dir;
  result.device = device.str();
  result.parameters = model->parameter_count();
  result.train_samples = train_set.n;
  result.val_samples = val_set.n;

  // Parameters move before any state is loaded, so the optimizer's slots are made on the device.
  model->to(device);
  int64_t start_epoch = 0;
  if (resuming) {
    start_epoch = run::load_checkpoint(dir, *model);
    if (!run::load_optimizer(dir, *optimizer, start_epoch))
      log << "resume: no optimizer state for epoch " << start_epoch << "; moments restart\n";
    result.history = history_from_json(io::read_json(run::path_in(dir, "metrics.json")));
    if (static_cast<int64_t>(result.history.size()) > start_epoch) result.history.resize(start_epoch);
    if (start_epoch >= r.epochs)
      throw UsageError("--epochs " + std::to_string(r.epochs) + ": the run already has " +
                       std::to_string(start_epoch) + " epochs; ask for more to continue it");
  }

  json config{{"hourglass_version", HG_VERSION},
              {"model", spec.json},
              {"data", {{"spec", opt.data}, {"classes", opt.classes}, {"limit", opt.limit},
                        {"val_split", opt.val_split}, {"features", train_set.features()},
                        {"sample_shape", train_set.sample_shape}}},
              {"scaler", scaler.to_json()},
              {"optimizer", {{"name", r.optimizer}, {"lr", r.lr}, {"weight_decay", opt.weight_decay}}},
              {"train", {{"epochs", r.epochs}, {"batch", r.batch}, {"lr", r.lr}, {"loss", r.loss},
                         {"seed", opt.seed}, {"clip_grad_norm", opt.clip_grad_norm},
                         {"threads", kernels::cpu::num_threads()}}}};
  io::write_json_atomic(run::path_in(dir, "config.json"), config);

  log << spec.name << ": " << result.parameters << " parameters, " << train_set.n << " training and "
      << val_set.n << " validation samples, " << r.epochs << " epochs, batch " << r.batch << ", "
      << r.optimizer << " lr " << r.lr << ", loss " << r.loss << ", " << kernels::cpu::num_threads()
      << " threads -> " << dir << "\n";

  // Data live on the training device for the whole run; each epoch gathers a shuffled copy once
  // and its batches are views into it (no per-step copies, no host round trip).
  const int64_t D = train_set.features(), N = train_set.n;
  const Tensor train_x = dataset_tensor(train_set, device), val_x = dataset_tensor(val_set, device);
  Tensor shuffled = Tensor::empty({N, D}, device);
  Storage order_dev(static_cast<size_t>(N) * sizeof(int64_t), device);
  ops::Backend& be = ops::backend_for(device, "train");
  Rng order_rng(opt.seed + 1);
  for (int64_t e = 0; e < start_epoch; ++e) next_order(order_rng, N);  // as in an unbroken run
  const auto t_start = Clock::now();
  double train_seconds = 0;
  int64_t samples_seen = 0;
  model->train();

  // --cuda-graph: full batches are copied into one static input buffer and run as one captured
  // step (after an eager warm-up step that fills the allocator's cache); a short last batch runs
  // eagerly. Everything goes to the graph's stream. See engine/tensor/cuda_graph.h.
  std::unique_ptr<CudaGraph> graph;
  std::unique_ptr<CudaGraph::StreamScope> on_graph_stream;
  Tensor x_static;
  bool warmed_up = false;
  if (use_graph) {
    graph = std::make_unique<CudaGraph>();
    on_graph_stream = std::make_unique<CudaGraph::StreamScope>(*graph);
    optimizer->set_device_step(true);
    x_static = Tensor::empty({r.batch, D}, device);
  }
  // The epoch's loss is summed on the loss's device: the host waits on it once per epoch.
  Tensor loss_sum = Tensor::zeros({}, device);
  // The objective's parts, summed the same way (created at the first step, which names them).
  std::vector<std::pair<std::string, Tensor>> term_sums;
  Tensor first_step;
  const int64_t steps_per_epoch = (N + r.batch - 1) / r.batch;
  int64_t global_step = start_epoch * steps_per_epoch;
  const uint64_t noise_seed = kernels::splitmix64(opt.seed ^ 0x6e6f697365ULL);
  if (auto* vae = dynamic_cast<models::Vae*>(model.get()))  // a resumed run draws new samples
    vae->reseed(kernels::splitmix64(opt.seed + 0x7661ULL * static_cast<uint64_t>(start_epoch + 1)));
  auto train_step = [&](const Tensor& x, int64_t rows) {
    const Tensor input = models::apply_noise(noise, x, noise_seed + static_cast<uint64_t>(global_step++));
    models::LossParts lp = model->objective(input, x, r.loss);
    optimizer->zero_grad();
    lp.total.backward();
    if (opt.clip_grad_norm > 0) optim::clip_grad_norm(model->named_parameters(), opt.clip_grad_norm);
    optimizer->step();
    ops::axpy_(loss_sum, static_cast<float>(rows), lp.total);
    if (!first_step.defined()) first_step = lp.total.clone();
    if (lp.terms.size() > 1) {
      if (term_sums.empty())
        for (const auto& [name, t] : lp.terms) term_sums.emplace_back(name, Tensor::zeros({}, device));
      for (size_t i = 0; i < term_sums.size() && i < lp.terms.size(); ++i)
        ops::axpy_(term_sums[i].second, static_cast<float>(rows), lp.terms[i].second);
    }
  };

  for (int64_t epoch = start_epoch + 1; epoch <= r.epochs; ++epoch) {
    const auto t0 = Clock::now();
    const std::vector<int64_t> order = next_order(order_rng, N);
    copy_memory(order_dev.data(), device, order.data(), Device::cpu(), order.size() * sizeof(int64_t));
    be.gather_rows(train_x.data(), static_cast<const int64_t*>(order_dev.data()), N, D, shuffled.data());
    loss_sum.fill_(0.0f);
    for (auto& ts : term_sums) ts.second.fill_(0.0f);
    int64_t n_seen = 0;
    for (int64_t start = 0; start < N; start += r.batch) {
      const int64_t rows = std::min<int64_t>(r.batch, N - start);
      Tensor x = shuffled.slice_rows(start, rows);
      if (graph && rows == r.batch) {
        copy_memory(x_static.data(), device, x.data(), device, sizeof(float) * rows * D);
        if (graph->captured()) {
          graph->replay();
          optimizer->replayed();
        } else if (!warmed_up) {
          train_step(x_static, rows);
          warmed_up = true;
        } else {
          graph->capture([&] { train_step(x_static, rows); });
          graph->replay();  // the captured step has not run yet: this runs it (its host part ran)
        }
      } else {
        train_step(x, rows);
      }
      n_seen += rows;
      if (interrupt::requested()) break;
    }
    if (interrupt::requested()) {
      result.interrupted = true;
      log << "interrupted in epoch " << epoch << "; keeping the checkpoint of epoch " << epoch - 1
          << " in " << dir << "\n";
      break;
    }
    const double train_loss = loss_sum.item() / static_cast<double>(n_seen);
    if (!std::isfinite(train_loss))
      throw Error("epoch " + std::to_string(epoch) + ": the training loss became " +
                  (std::isnan(train_loss) ? "NaN" : "infinite") +
                  "; try a lower learning rate (--lr, now " + fmt::num(r.lr) + ")");
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    EpochStats st;
    st.epoch = epoch;
    st.train_loss = train_loss;
    st.seconds = secs;
    st.samples_per_s = static_cast<double>(n_seen) / secs;
    for (const auto& [name, t] : term_sums) st.terms.emplace_back(name, t.item() / static_cast<double>(n_seen));
    st.val_loss = evaluate_loss(*model, val_x, r.loss);
    if (st.val_loss >= 0 && !std::isfinite(st.val_loss))
      throw Error("epoch " + std::to_string(epoch) + ": the validation loss became " +
                  (std::isnan(st.val_loss) ? "NaN" : "infinite") +
                  "; try a lower learning rate (--lr, now " + fmt::num(r.lr) + ")");
    train_seconds += secs;
    samples_seen += n_seen;
    result.history.push_back(st);
    ++result.epochs_this_call;

    run::save_checkpoint(dir, *model, epoch);
    run::save_optimizer(dir, *optimizer, epoch);
    io::write_json_atomic(run::path_in(dir, "metrics.json"), json{{"history", history_json(result.history)}});

    const double elapsed = std::chrono::duration<double>(Clock::now() - t_start).count();
    const double eta = elapsed / static_cast<double>(result.epochs_this_call) *
                       static_cast<double>(r.epochs - epoch);
    log << "epoch " << epoch << "/" << r.epochs << "  train " << fmt::num(st.train_loss, 5);
    if (!st.terms.empty()) {
      log << " (";
      for (size_t i = 0; i < st.terms.size(); ++i)
        log << (i ? " " : "") << st.terms[i].first << " " << fmt::num(st.terms[i].second, 5);
      log << ")";
    }
    if (st.val_loss >= 0) log << "  val " << fmt::num(st.val_loss, 5);
    log << "  " << fmt::fixed(st.samples_per_s, 0) << " samples/s  " << fmt::fixed(secs, 2)
        << " s  ETA " << fmt::duration(eta) << "\n";
    log.flush();
  }

  if (first_step.defined()) result.first_step_loss = first_step.item();
  result.seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  result.samples_per_s = train_seconds > 0 ? static_cast<double>(samples_seen) / train_seconds : 0;
  if (!result.history.empty())
    write_metrics_and_curve(dir, spec.name + " on " + opt.data, result.history);
  return result;
}

}  // namespace hg::train
