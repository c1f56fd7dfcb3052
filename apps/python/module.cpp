// _hourglass: the compiled half of the `hourglass` Python package (python/hourglass). It binds
// the engine's run folders, trainer, detector and latent tools with numpy arrays in and out; the
// Python half gives them scikit-learn's shapes (estimators, get_params, Pipeline). Errors arrive
// as hourglass.UsageError (a ValueError: a bad argument) or hourglass.Error (a RuntimeError: bad
// data, a missing or broken file) with the CLI's one-line messages; Ctrl-C as KeyboardInterrupt.
#include <pybind11/pybind11.h>

#include "apps/python/py_bind.h"
#include "engine/util/error.h"

PYBIND11_MODULE(_hourglass, m) {
  namespace pyb = pybind11;
  m.doc() = "Hourglass: autoencoders on CPU and GPU (the compiled core of `hourglass`)";
  m.attr("__version__") = HG_VERSION;
  // Registered in this order so a UsageError (derived from hg::Error) maps to its own class.
  static pyb::exception<hg::Error> error(m, "Error", PyExc_RuntimeError);
  static pyb::exception<hg::UsageError> usage(m, "UsageError", PyExc_ValueError);
  pyb::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const hg::UsageError& e) {
      usage(e.what());
    } catch (const hg::Error& e) {
      error(e.what());
    }
  });
  hg::py::bind_run(m);
  hg::py::bind_train(m);
  hg::py::bind_detector(m);
  hg::py::bind_latent(m);
  hg::py::bind_data(m);
}
