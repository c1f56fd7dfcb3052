// hourglass train: flags -> TrainOptions -> trainer; prints the --json summary last.
#include <cmath>
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/train/trainer.h"
#include "engine/dist/comm.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "engine/util/interrupt.h"

namespace hg::cli {
namespace {

// Real-valued flags with their ranges (issue 17; the counts are checked by validators as they are
// parsed): nothing out of range is replaced by a default.
void check_range(bool given, const char* flag, double v, double lo, bool lo_open,
                 double hi = 1e300) {
  if (!given) return;
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
  if (!ok)
    throw UsageError(std::string(flag) + " " + fmt::num(v, 6) + ": must be a finite number " +
                     (lo_open ? "> " : ">= ") + fmt::num(lo, 6) +
                     (hi < 1e300 ? " and <= " + fmt::num(hi, 6) : std::string()));
}

// What --resume takes from the run folder instead of the flags: asking for another value is an
// error, never silently ignored.
void refuse_with_resume(const CLI::App& app) {
  for (const char* f : {"--data", "--config", "--binary-latent", "--batch", "--lr", "--loss",
                        "--optimizer", "--weight-decay", "--clip-grad-norm", "--scaler", "--seed",
                        "--val-split", "--classes", "--limit", "--out", "--force"})
    if (app.count(f))
      throw UsageError(std::string("--resume continues the run with its own ") + (f + 2) +
                       "; drop " + f + " (or train a new run with --out)");
}

// The ranges of the flags stored straight into TrainOptions, and what --resume refuses.
void check_option_ranges(const CLI::App& app, const train::TrainOptions& o) {
  check_range(app.count("--weight-decay"), "--weight-decay", o.weight_decay, 0, false);
  check_range(app.count("--clip-grad-norm"), "--clip-grad-norm", o.clip_grad_norm, 0, false);
  check_range(app.count("--val-split"), "--val-split", o.val_split, 0, false, 0.9);
  check_range(app.count("--binary-latent"), "--binary-latent", o.binary_latent, 0, true, 1e6);
  if (!o.resume.empty()) refuse_with_resume(app);
}

void print_result(const train::TrainResult& r, bool json) {
  if (json) {
    std::cout << r.summary().dump() << std::endl;
  } else if (!r.history.empty()) {
    std::cout << "trained " << r.history.back().epoch << " epochs"
              << (r.stopped_early ? " (stopped early)" : "") << ": train loss "
              << r.history.front().train_loss << " -> " << r.history.back().train_loss
              << "; kept epoch " << r.best_epoch << "; run folder " << r.out_dir << "\n";
  }
}

// The flags stored straight into TrainOptions (the others are laid over the config's defaults).
void add_direct_flags(CLI::App& app, train::TrainOptions& opts) {
  train::TrainOptions* o = &opts;
  app.add_option(
      "--data", o->data,
      "Data spec: fashion-mnist[:DIR], mnist[:DIR], idx:DIR, csv:FILE[,label=NAME], synthetic");
  app.add_option("--config", o->config, "Model config (JSON), e.g. models/configs/mlp784.json");
  app.add_option("--binary-latent", o->binary_latent,
                 "Train a binary code: noise SIGMA before a sigmoid latent (MLP configs; e.g. 4)");
  app.add_option("--weight-decay", o->weight_decay, "Weight decay (default: 0, or 0.01 for adamw)");
  app.add_option("--clip-grad-norm", o->clip_grad_norm, "Clip the global gradient norm (0: off)");
  app.add_option("--seed", o->seed, "Random seed (init, shuffling, validation split)")
      ->check(seed_value());
  app.add_option("--device", o->device, "auto, cpu or cuda")->default_val("auto");
  app.add_option("--threads", o->threads, "CPU threads (0: all cores)")->check(seed_value());
  app.add_option("--val-split", o->val_split, "Fraction held out for validation")->default_val(0.1);
  app.add_option("--classes", o->classes, "Train on these labels only, e.g. 0-8 or 0,3");
  app.add_option("--limit", o->limit, "Use the first N samples")->check(positive_count());
  app.add_option("--out", o->out, "Run folder (default runs/<config>-<data>)");
  app.add_flag("--force", o->force, "Overwrite an existing --out folder");
  app.add_option("--resume", o->resume, "Continue the run in this folder");
  app.add_flag("--cuda-graph", o->cuda_graph,
               "Capture the training step as a CUDA graph and replay it (GPU, full batches)");
}

}  // namespace

Action add_train(CLI::App& app) {
  auto o = std::make_shared<train::TrainOptions>();
  auto json_out = std::make_shared<bool>(false);
  auto epochs = std::make_shared<int64_t>(0), batch = std::make_shared<int64_t>(0);
  auto lr = std::make_shared<float>(0.0f);
  auto loss = std::make_shared<std::string>(), optimizer = std::make_shared<std::string>(),
       scaler = std::make_shared<std::string>();
  add_direct_flags(app, *o);
  app.add_option("--scaler", *scaler,
                 "none, standard, minmax (fitted on the training data) or binarize (x > 0.5)");
  app.add_option("--epochs", *epochs, "Epochs (total, also when resuming)")
      ->check(positive_count());
  app.add_option("--batch", *batch, "Batch size")->check(positive_count());
  app.add_option("--lr", *lr, "Learning rate");
  app.add_option("--loss", *loss, "mse or bce");
  app.add_option("--optimizer", *optimizer, "adam, adamw or sgd");
  auto patience = std::make_shared<int64_t>(-1), warmup = std::make_shared<int64_t>(-1),
       min_steps = std::make_shared<int64_t>(-1);
  auto min_delta = std::make_shared<double>(-1.0);
  auto schedule = std::make_shared<std::string>();
  auto keep_last = std::make_shared<bool>(false);
  app.add_option("--patience", *patience,
                 "Early stopping: epochs without improvement of the validation loss (0: off; "
                 "default from the config, else 10)")
      ->check(non_negative());
  app.add_option(
      "--min-delta", *min_delta,
      "Relative improvement that counts for early stopping and plateaus (default 0.001)");
  app.add_option(
      "--lr-schedule", *schedule,
      "constant, plateau (halve after 3 epochs without improvement) or cosine (default plateau)");
  app.add_option("--warmup", *warmup, "Epochs of linear learning-rate warm-up (default 0)")
      ->check(non_negative());
  app.add_option("--min-steps", *min_steps,
                 "Raise the epoch maximum until this many optimizer steps fit (small tables)")
      ->check(non_negative());
  app.add_flag("--no-restore-best", *keep_last,
               "Keep the last epoch's weights instead of the best epoch's");
  app.add_flag("--json", *json_out, "Print a JSON summary as the last line");
  return [=, &app]() {
    check_range(app.count("--lr"), "--lr", *lr, 0, true);
    check_range(app.count("--min-delta"), "--min-delta", *min_delta, 0, false);
    check_option_ranges(app, *o);
    train::TrainOptions opt = *o;
    opt.threads = checked_threads(opt.threads);
    if (*epochs != 0) opt.epochs = *epochs;
    if (*batch != 0) opt.batch = *batch;
    if (*lr != 0.0f) opt.lr = *lr;
    if (!loss->empty()) opt.loss = *loss;
    if (!optimizer->empty()) opt.optimizer = *optimizer;
    if (!scaler->empty()) opt.scaler = *scaler;
    if (*patience != -1) opt.patience = *patience;
    if (*warmup != -1) opt.warmup = *warmup;
    if (*min_steps != -1) opt.min_steps = *min_steps;
    if (*min_delta != -1.0) opt.min_delta = *min_delta;
    if (!schedule->empty()) opt.lr_schedule = *schedule;
    if (*keep_last) opt.restore_best = false;
    const train::TrainResult r = train::train(opt, std::cerr);
    if (dist::rank() == 0) print_result(r, *json_out);  // one result for a data-parallel run
    return r.interrupted ? interrupt::exit_code() : 0;
  };
}

}  // namespace hg::cli
