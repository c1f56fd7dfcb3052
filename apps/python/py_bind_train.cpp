// train(): `hourglass train` on numpy rows (apps/train/trainer.h with in-memory data). Progress
// lines go to the process's stderr (as the CLI's), or nowhere when verbose is false.
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <pybind11/stl.h>

#include "apps/python/py_bind.h"
#include "apps/python/py_compute.h"
#include "apps/python/py_convert.h"
#include "apps/train/trainer.h"

namespace hg::py {

namespace {

struct TrainArgs {
  std::optional<int64_t> epochs, batch_size, patience;
  std::optional<float> lr;
  std::optional<std::string> loss, optimizer, scaler;
};

pyb::object train(const std::string& config, const FloatArray& X,
                  const std::optional<FloatArray>& X_val, const std::string& out, bool force,
                  const TrainArgs& a, uint64_t seed, const std::string& device, int threads,
                  double val_split, bool verbose) {
  train::TrainOptions o;
  o.config = config;
  o.data = "array";
  o.rows = std::make_shared<data::Dataset>(rows_from_array(X, "X"));
  if (X_val)
    o.val_rows = std::make_shared<data::Dataset>(rows_from_array(*X_val, "validation_data"));
  o.out = out;
  o.force = force;
  o.epochs = a.epochs;
  o.batch = a.batch_size;
  o.patience = a.patience;
  o.lr = a.lr;
  o.loss = a.loss;
  o.optimizer = a.optimizer;
  o.scaler = a.scaler;
  o.seed = seed;
  o.device = device;
  o.threads = threads;
  o.val_split = val_split;
  train::TrainResult r = run_compute("training", [&] {
    std::ostringstream quiet;
    return train::train(o, verbose ? std::cerr : quiet);
  });
  if (r.interrupted)
    raise_keyboard_interrupt(
        r.history.empty()
            ? "training interrupted in epoch 1: no epoch finished, nothing is kept in " + r.out_dir
            : "training interrupted; the run folder " + r.out_dir + " keeps epoch " +
                  std::to_string(r.history.back().epoch));
  return to_python(r.summary());
}

}  // namespace

void bind_train(pybind11::module_& m) {
  m.def(
      "train",
      [](const std::string& config, const FloatArray& X, const std::optional<FloatArray>& X_val,
         const std::string& out, bool force, std::optional<int64_t> epochs,
         std::optional<int64_t> batch_size, std::optional<float> lr,
         std::optional<std::string> loss, std::optional<std::string> optimizer,
         std::optional<std::string> scaler, std::optional<int64_t> patience, uint64_t seed,
         const std::string& device, int threads, double val_split, bool verbose) {
        const TrainArgs a{epochs, batch_size, patience, lr, loss, optimizer, scaler};
        return train(config, X, X_val, out, force, a, seed, device, threads, val_split, verbose);
      },
      pyb::arg("config"), pyb::arg("X"), pyb::arg("X_val") = pyb::none(), pyb::arg("out"),
      pyb::arg("force") = false, pyb::arg("epochs") = pyb::none(),
      pyb::arg("batch_size") = pyb::none(), pyb::arg("lr") = pyb::none(),
      pyb::arg("loss") = pyb::none(), pyb::arg("optimizer") = pyb::none(),
      pyb::arg("scaler") = pyb::none(), pyb::arg("patience") = pyb::none(), pyb::arg("seed") = 0,
      pyb::arg("device") = "auto", pyb::arg("threads") = 0, pyb::arg("val_split") = 0.1,
      pyb::arg("verbose") = true,
      "Trains the model of `config` (a models/configs file) on rows X into the run folder `out`; "
      "returns the summary `hourglass train --json` prints.");
  m.def("config_dir", [] { return std::string(HG_SOURCE_DIR) + "/models/configs"; });
}

}  // namespace hg::py
