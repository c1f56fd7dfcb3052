#include "apps/train/convergence.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::train {

using nlohmann::json;

void ConvergenceOptions::check() const {
  if (schedule != "constant" && schedule != "plateau" && schedule != "cosine")
    throw UsageError("--lr-schedule must be constant, plateau or cosine, got '" + schedule + "'");
  if (patience < 0)
    throw UsageError("--patience must be 0 (off) or more, got " + std::to_string(patience));
  if (!(min_delta >= 0 && min_delta < 1))
    throw UsageError("--min-delta must be in [0, 1) (a relative improvement), got " +
                     fmt::num(min_delta));
  if (warmup < 0)
    throw UsageError("--warmup must be 0 or more epochs, got " + std::to_string(warmup));
  if (!(plateau_factor > 0 && plateau_factor < 1))
    throw UsageError("plateau_factor must be in (0, 1), got " + fmt::num(plateau_factor));
  if (plateau_patience < 0) throw UsageError("plateau_patience must be 0 or more");
  if (!(min_lr_ratio >= 0 && min_lr_ratio <= 1))
    throw UsageError("--min-lr-ratio must be in [0, 1], got " + fmt::num(min_lr_ratio));
}

json ConvergenceOptions::to_json() const {
  return {{"patience", patience},
          {"min_delta", min_delta},
          {"restore_best", restore_best},
          {"lr_schedule", schedule},
          {"warmup", warmup},
          {"plateau_factor", plateau_factor},
          {"plateau_patience", plateau_patience},
          {"min_lr_ratio", min_lr_ratio}};
}

ConvergenceOptions ConvergenceOptions::from_json(const json& j, const std::string& origin) {
  ConvergenceOptions o;
  if (!j.is_object()) return o;
  try {
    o.patience = j.value("patience", o.patience);
    o.min_delta = j.value("min_delta", o.min_delta);
    o.restore_best = j.value("restore_best", o.restore_best);
    o.schedule = j.value("lr_schedule", o.schedule);
    o.warmup = j.value("warmup", o.warmup);
    o.plateau_factor = j.value("plateau_factor", o.plateau_factor);
    o.plateau_patience = j.value("plateau_patience", o.plateau_patience);
    o.min_lr_ratio = j.value("min_lr_ratio", o.min_lr_ratio);
  } catch (const json::exception&) {
    throw Error(
        origin +
        ": a convergence setting (patience, min_delta, lr_schedule, ...) has the wrong type");
  }
  return o;
}

namespace {

double scheduled_lr(const ConvergenceOptions& o, double lr, int64_t max_epochs, int64_t epoch) {
  if (epoch <= o.warmup) return lr * static_cast<double>(epoch) / static_cast<double>(o.warmup + 1);
  if (o.schedule != "cosine") return lr;
  const double min_lr = lr * o.min_lr_ratio;
  const double T = static_cast<double>(std::max<int64_t>(1, max_epochs - o.warmup));
  const double t = static_cast<double>(epoch - 1 - o.warmup);
  return min_lr + (lr - min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * std::min(t / T, 1.0)));
}

}  // namespace

ConvergenceState replay(const ConvergenceOptions& o, double lr, int64_t max_epochs,
                        const std::vector<double>& monitored) {
  ConvergenceState s;
  double plateau_scale = 1.0;  // product of the plateau cuts so far
  int64_t plateau_bad = 0;     // epochs without improvement since the last cut or best
  const double floor_scale = o.min_lr_ratio;
  for (size_t i = 0; i < monitored.size(); ++i) {
    const int64_t epoch = static_cast<int64_t>(i) + 1;
    const double loss = monitored[i];
    const bool improved =
        s.best_epoch == 0 || loss < s.best_loss - std::abs(s.best_loss) * o.min_delta;
    if (improved) {
      s.best_epoch = epoch;
      s.best_loss = loss;
      s.since_best = 0;
      plateau_bad = 0;
    } else {
      ++s.since_best;
      ++plateau_bad;
    }
    // Warm-up epochs are not judged for a plateau: the rate is still rising.
    if (o.schedule == "plateau" && epoch > o.warmup && plateau_bad > o.plateau_patience) {
      plateau_scale = std::max(plateau_scale * o.plateau_factor, floor_scale);
      plateau_bad = 0;
    }
    s.stop = o.patience > 0 && s.since_best >= o.patience;
  }
  const int64_t next = static_cast<int64_t>(monitored.size()) + 1;
  s.next_lr = scheduled_lr(o, lr, max_epochs, next) * plateau_scale;
  return s;
}

}  // namespace hg::train
