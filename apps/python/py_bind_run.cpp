// _Run: a run folder loaded on a device (apps/python/py_run.h).
#include <pybind11/stl.h>

#include "apps/python/py_bind.h"
#include "apps/python/py_compute.h"
#include "apps/python/py_convert.h"
#include "apps/python/py_run.h"

namespace hg::py {

pybind11::object to_python(const nlohmann::json& j) {
  return pybind11::module_::import("json").attr("loads")(j.dump());
}

namespace {

pyb::array_t<float> encode(const RunModel& r, const FloatArray& X) {
  const data::Dataset x = rows_from_array(X, "X", r.input_dim());
  std::vector<float> z = run_compute("encoding", [&] { return r.encode(x); });
  return to_array(std::move(z), {x.n, r.latent_dim()});
}

pyb::array_t<float> decode(const RunModel& r, const FloatArray& Z) {
  const data::Dataset z = rows_from_array(Z, "Z", r.latent_dim());
  std::vector<float> out = run_compute("decoding", [&] { return r.decode(z.x, z.n); });
  return to_array(std::move(out), {z.n, r.input_dim()});
}

pyb::array_t<float> reconstruct(const RunModel& r, const FloatArray& X) {
  const data::Dataset x = rows_from_array(X, "X", r.input_dim());
  std::vector<float> out = run_compute("reconstructing", [&] { return r.reconstruct(x); });
  return to_array(std::move(out), {x.n, r.input_dim()});
}

// Read in place when the run has no scaler (the numpy buffer is the model's input as it is).
pyb::array_t<double> score(const RunModel& r, const FloatArray& X) {
  if (!r.needs_scaling()) {
    const RowsView v = view_rows(X, "X", r.input_dim());
    std::vector<double> s = run_compute("scoring", [&] { return r.score_in_place(v.data, v.n); });
    return to_array(std::move(s), {v.n});
  }
  const data::Dataset x = rows_from_array(X, "X", r.input_dim());
  std::vector<double> s = run_compute("scoring", [&] { return r.score(x); });
  return to_array(std::move(s), {x.n});
}

}  // namespace

void bind_run(pybind11::module_& m) {
  pyb::class_<RunModel>(m, "_Run")
      .def(pyb::init([](const std::string& dir, const std::string& device, int threads) {
             pyb::gil_scoped_release no_gil;
             return new RunModel(dir, device, threads);
           }),
           pyb::arg("run_dir"), pyb::arg("device") = "auto", pyb::arg("threads") = 0)
      .def("encode", &encode, pyb::arg("X"))
      .def("decode", &decode, pyb::arg("Z"))
      .def("reconstruct", &reconstruct, pyb::arg("X"))
      .def("score", &score, pyb::arg("X"))
      .def_property_readonly("run_dir", [](const RunModel& r) { return r.run().dir; })
      .def_property_readonly("input_dim", &RunModel::input_dim)
      .def_property_readonly("latent_dim", &RunModel::latent_dim)
      .def_property_readonly("device", [](const RunModel& r) { return r.device().str(); })
      .def_property_readonly("epoch", [](const RunModel& r) { return r.run().epoch; })
      .def_property_readonly("loss", [](const RunModel& r) { return r.run().loss; })
      .def_property_readonly("config", [](const RunModel& r) { return to_python(r.run().config); });
}

}  // namespace hg::py
