#include "apps/detect/recipe.h"

#include <set>

namespace hg::detect {

namespace {

bool is_image_run(const run::LoadedRun& run) {
  const auto& data = run.config.at("data");
  return data.contains("sample_shape") && data["sample_shape"].is_array() &&
         data["sample_shape"].size() == 3;
}

}  // namespace

Recipe auto_recipe(const run::LoadedRun& run, const data::Dataset& normal) {
  Recipe r;
  r.opts.knn_k = 5;
  if (!is_image_run(run)) {
    r.kinds = {ScoreKind::KnnInput};
    r.name = "knn-input";
    r.why = "a table: the distance to the nearest normal rows on the scaled features";
    return r;
  }
  // The square root needs inputs >= 0: pixels as they are, or min-max scaled (not standardised).
  const std::string scaler = run.config.at("scaler").value("kind", std::string("none"));
  const bool nonnegative = scaler == "none" || scaler == "minmax" || scaler == "binarize";
  r.opts.view.power = nonnegative ? 0.5 : 1.0;
  r.opts.view.blur = 1.0;
  const std::string view = nonnegative ? "power 0.5, blur 1" : "blur 1";
  const std::set<int32_t> classes(normal.y.begin(), normal.y.end());
  if (classes.size() >= 2) {
    r.kinds = {ScoreKind::KnnInput, ScoreKind::Classifier};
    r.name = "knn-input,classifier (" + view + ")";
    r.why = "images of " + std::to_string(classes.size()) +
            " labelled normal classes: nearest normal images in the blurred view, plus the doubt "
            "of classifiers "
            "of those classes fine-tuned from the encoder";
    return r;
  }
  r.kinds = {ScoreKind::KnnInput};
  r.name = "knn-input (" + view + ")";
  r.why = "images of one normal class: nearest normal images in the blurred view";
  return r;
}

}  // namespace hg::detect
