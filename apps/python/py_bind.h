// The parts of the _hourglass module, one binding function per file.
#pragma once
#include <pybind11/pybind11.h>
#include <nlohmann/json.hpp>

namespace hg::py {

void bind_run(pybind11::module_& m);       // py_bind_run.cpp: _Run (load, encode, score, ...)
void bind_train(pybind11::module_& m);     // py_bind_train.cpp: train()
void bind_detector(pybind11::module_& m);  // py_bind_detector.cpp: fit_detector, _Detector
void bind_latent(pybind11::module_& m);    // py_bind_latent.cpp: kmeans, silhouette, pca, tsne
void bind_data(pybind11::module_& m);      // py_bind_data.cpp: load_data

// A JSON value as the Python object json.loads would make.
pybind11::object to_python(const nlohmann::json& j);

}  // namespace hg::py
