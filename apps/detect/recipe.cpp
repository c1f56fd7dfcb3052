#include "apps/detect/recipe.h"

#include <set>

namespace hg::detect {

namespace {

bool is_image_run(const run::LoadedRun& run) {
  const auto& data = run.config.at("data");
  return data.contains("sample_shape") && data["sample_shape"].is_array() && data["sample_shape"].size() == 3;
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
  const std::set<int32_t> classes(normal.y.begin(), normal.y.end());
  if (classes.size() >= 2) {
    r.kinds = {ScoreKind::Classifier};
    r.name = "classifier";
    r.why = "images of " + std::to_string(classes.size()) +
            " labelled normal classes: the doubt of classifiers of those classes fine-tuned from the encoder";
    return r;
  }
  r.kinds = {ScoreKind::KnnInput};
  r.opts.view.power = 0.5;
  r.opts.view.blur = 1.0;
  r.name = "knn-input (power 0.5, blur 1)";
  r.why = "images of one normal class: nearest normal images in the square-root, blurred view";
  return r;
}

}  // namespace hg::detect
