// fit_detector() and _Detector: `detect fit` / `detect score` on numpy rows.
#include <pybind11/stl.h>

#include "apps/cli/flags.h"
#include "apps/python/py_bind.h"
#include "apps/python/py_compute.h"
#include "apps/python/py_convert.h"
#include "apps/python/py_detector.h"

namespace hg::py {

namespace {

// A detector loaded with its member runs; score() is the detector's anomaly score (higher =
// more anomalous), threshold its cut.
struct LoadedDetectorBox {
  std::unique_ptr<detect::LoadedDetector> d;
  int64_t width() const { return d->main_run().model->input_dim(); }
};

pyb::array_t<double> detector_score(const LoadedDetectorBox& b, const FloatArray& X) {
  const data::Dataset x = rows_from_array(X, "X", b.width());
  std::vector<double> s = run_compute("scoring", [&] { return b.d->score(x); });
  return to_array(std::move(s), {x.n});
}

}  // namespace

void bind_detector(pybind11::module_& m) {
  m.def(
      "fit_detector",
      [](const std::string& run_dir, const FloatArray& X, const std::string& score,
         const std::string& threshold, uint64_t seed, bool force, const std::string& device,
         int threads) {
        const data::Dataset x = rows_from_array(X, "X");
        const DetectorFit how{score, threshold, seed, force};
        const nlohmann::json j = run_compute("fitting the detector", [&] {
          return fit_detector(run_dir, x, how, cli::start_compute(threads, device));
        });
        return to_python(j);
      },
      pyb::arg("run_dir"), pyb::arg("X"), pyb::arg("score") = "auto",
      pyb::arg("threshold") = "contamination:0.1", pyb::arg("seed") = 0, pyb::arg("force") = false,
      pyb::arg("device") = "auto", pyb::arg("threads") = 0,
      "Fits <run_dir>/detector.json on normal rows X; returns what `detect fit --json` prints.");

  pyb::class_<LoadedDetectorBox>(m, "_Detector")
      .def(pyb::init([](const std::string& run_dir, const std::string& device, int threads) {
             pyb::gil_scoped_release no_gil;
             const Device dev = cli::start_compute(threads, device);
             return new LoadedDetectorBox{std::make_unique<detect::LoadedDetector>(
                 detect::LoadedDetector::load(run_dir, dev))};
           }),
           pyb::arg("run_dir"), pyb::arg("device") = "auto", pyb::arg("threads") = 0)
      .def("score", &detector_score, pyb::arg("X"))
      .def_property_readonly("threshold",
                             [](const LoadedDetectorBox& b) { return b.d->detector().threshold; })
      .def_property_readonly("score_kind",
                             [](const LoadedDetectorBox& b) { return b.d->detector().score_text; })
      .def_property_readonly("rule",
                             [](const LoadedDetectorBox& b) { return b.d->detector().rule.text; })
      .def_property_readonly("summary", [](const LoadedDetectorBox& b) {
        return to_python(b.d->detector().to_json());
      });
}

}  // namespace hg::py
