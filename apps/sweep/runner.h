// Training and measuring one variant of `hourglass sweep`, in process (apps/train/trainer.h on
// the rows loaded once), into OUT/variants/<name>/:
//   model.json     the variant's model config (the base config with the axis overrides)
//   (run files)    the run folder of the variant trained on every training class: what
//                  reconstruct and cluster measure
//   anomaly/       with the anomaly task, a run folder of the same variant trained without the
//                  held-out class
//   result.json    the variant's figures, written last: a variant without it is not complete
//                  (an interrupted one is trained again by --resume, never reused)
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/sweep/tasks.h"
#include "apps/sweep/variants.h"
#include "engine/tensor/device.h"

namespace hg::sweep {

struct SweepOptions {
  std::string config;     // the base config's path (--config)
  nlohmann::json base;    // its JSON
  std::string data, out;  // --data, --out
  Tasks tasks;
  std::optional<int64_t> epochs;  // the most epochs per training (early stopping may end sooner)
  uint64_t seed = 0;
  int threads = 0;
  bool verbose = false;  // the trainer's lines on the log; else one line per training
};

std::string variant_dir(const std::string& out, const Variant& v);

// A variant complete in `out` from an earlier call (its result.json), or null.
nlohmann::json completed_variant(const std::string& out, const Variant& v);

// Trains and measures variant v; returns its entry of sweep.json after writing result.json.
// Throws interrupt::Interrupted when a signal stopped its training or measuring (result.json
// is then not written), UsageError when the config cannot take an axis, Error otherwise.
nlohmann::json run_variant(const SweepOptions& o, const Variant& v, const SweepData& d,
                           Device device, std::ostream& log);

}  // namespace hg::sweep
