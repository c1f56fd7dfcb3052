// load_data(): the CLI's --data specs (engine/data/spec.h) as numpy arrays, so a notebook reads
// exactly the rows `hourglass train --data SPEC` trains on.
#include <pybind11/stl.h>

#include "apps/python/py_bind.h"
#include "apps/python/py_compute.h"
#include "apps/python/py_convert.h"
#include "engine/data/spec.h"
#include "engine/util/error.h"

namespace hg::py {

void bind_data(pybind11::module_& m) {
  m.def(
      "load_data",
      [](const std::string& spec, const std::string& split) {
        if (split != "train" && split != "test")
          throw UsageError("split: expected train or test, got '" + split + "'");
        const data::DataSpec s = data::parse_spec(spec);
        data::Dataset d = run_compute("loading " + spec, [&] {
          return data::load(s, split == "train" ? data::Split::Train : data::Split::Test);
        });
        const int64_t n = d.n, D = d.features();
        pyb::object y = pyb::none();
        if (d.has_labels()) y = to_array(std::move(d.y), {n});
        return pyb::make_tuple(to_array(std::move(d.x), {n, D}), y);
      },
      pyb::arg("spec"), pyb::arg("split") = "train",
      "(X [n, D] float32, y [n] int32 or None) of a data spec: fashion-mnist, mnist, "
      "idx:DIR, csv:FILE[,label=NAME], synthetic.");
}

}  // namespace hg::py
