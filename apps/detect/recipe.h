// The detector a user gets with no --score: chosen once, by design, from what the run and its
// normal data are, never from test labels. The measurements behind each choice are in
// bench/RESULTS.md ("Anomaly detection: the default recipe").
//
//   tables                                  knn-input: the mean distance to the 5 nearest normal
//                                           rows on the run's scaled features (standard scaling
//                                           for tabular.json); it matched or beat Isolation
//                                           Forest, LOF, OCSVM, ECOD, PCA and the autoencoder on
//                                           average over the scikit-learn tables we measured
//   images, one normal class (or no labels) knn-input in the square-root, blurred view (power
//                                           0.5, Gaussian sigma 1): the strongest one-class score
//                                           on Fashion-MNIST; reconstruction scores lose there
//   images, several labelled normal classes knn-input (the same view) + classifier (1 - the top
//                                           probability of an ensemble of classifiers of the normal
//                                           classes fine-tuned from the run's encoder),
//                                           standardised and averaged. Held out one MNIST digit at
//                                           a time on the training split only, the pair averaged
//                                           0.912 AUROC, the classifier alone 0.895, the neighbours
//                                           0.834: the classifier finds digits that look like a mix
//                                           of classes (a 9 between 4 and 7), the neighbours find
//                                           shapes no class has (a 0)
// The view needs inputs >= 0 for its square root: with a standard scaler only the blur is used.
#pragma once
#include <string>
#include <vector>

#include "apps/detect/detector.h"

namespace hg::detect {

struct Recipe {
  std::vector<ScoreKind> kinds;
  ScoreOptions opts;
  std::string name;  // e.g. "knn-input (power 0.5, blur 1)"
  std::string why;   // one line for the user
};

// `normal` holds the normal rows as loaded (labels when the data have them).
Recipe auto_recipe(const run::LoadedRun& run, const data::Dataset& normal);

}  // namespace hg::detect
