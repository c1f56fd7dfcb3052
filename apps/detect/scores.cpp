#include "apps/detect/scores.h"

#include <algorithm>
#include <cmath>
#include <iostream>

#include "apps/analysis/linalg.h"
#include "apps/metrics/metrics.h"
#include "apps/run/run_data.h"
#include "apps/transfer/transfer.h"
#include "engine/autograd/autograd.h"
#include "engine/host/gemm.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"
#include "engine/util/rng.h"
#include "models/losses.h"
#include "models/vae.h"

namespace hg::detect {

using nlohmann::json;

ScoreKind parse_score_kind(const std::string& name, const std::string& flag) {
  if (name == "mse") return ScoreKind::MSE;
  if (name == "bce") return ScoreKind::BCE;
  if (name == "max") return ScoreKind::Max;
  if (name == "feature-count") return ScoreKind::FeatureCount;
  if (name == "mahalanobis") return ScoreKind::Mahalanobis;
  if (name == "elbo") return ScoreKind::Elbo;
  if (name == "knn") return ScoreKind::Knn;
  if (name == "knn-input") return ScoreKind::KnnInput;
  if (name == "mse-view") return ScoreKind::MseView;
  if (name == "iforest") return ScoreKind::IForest;
  if (name == "lof") return ScoreKind::Lof;
  if (name == "ecod") return ScoreKind::Ecod;
  if (name == "pca") return ScoreKind::Pca;
  if (name == "classifier") return ScoreKind::Classifier;
  if (name == "aegmm") return ScoreKind::Aegmm;
  if (name == "vaegmm") return ScoreKind::Vaegmm;
  throw UsageError(flag + ": unknown score '" + name +
                   "' (expected auto, mse, bce, max, feature-count, mahalanobis, elbo, knn, "
                   "knn-input, mse-view, iforest, lof, ecod, pca, classifier, aegmm or vaegmm)");
}

std::string score_name(ScoreKind k) {
  switch (k) {
    case ScoreKind::MSE: return "mse";
    case ScoreKind::BCE: return "bce";
    case ScoreKind::Max: return "max";
    case ScoreKind::FeatureCount: return "feature-count";
    case ScoreKind::Mahalanobis: return "mahalanobis";
    case ScoreKind::Elbo: return "elbo";
    case ScoreKind::Knn: return "knn";
    case ScoreKind::KnnInput: return "knn-input";
    case ScoreKind::MseView: return "mse-view";
    case ScoreKind::IForest: return "iforest";
    case ScoreKind::Lof: return "lof";
    case ScoreKind::Ecod: return "ecod";
    case ScoreKind::Pca: return "pca";
    case ScoreKind::Classifier: return "classifier";
    case ScoreKind::Aegmm: return "aegmm";
    case ScoreKind::Vaegmm: return "vaegmm";
  }
  return "mse";
}

bool is_model_free(ScoreKind k) {
  return k == ScoreKind::KnnInput || k == ScoreKind::IForest || k == ScoreKind::Lof ||
         k == ScoreKind::Ecod || k == ScoreKind::Pca;
}

bool uses_view(ScoreKind k) { return is_model_free(k) || k == ScoreKind::MseView; }

namespace {

ModelFreeKind model_free_kind(ScoreKind k) {
  switch (k) {
    case ScoreKind::IForest: return ModelFreeKind::IForest;
    case ScoreKind::Lof: return ModelFreeKind::Lof;
    case ScoreKind::Ecod: return ModelFreeKind::Ecod;
    default: return ModelFreeKind::Pca;
  }
}

bool is_classical(ScoreKind k) { return is_model_free(k) && k != ScoreKind::KnnInput; }

}  // namespace

std::vector<std::pair<std::string, std::vector<float>*>> ScoreState::float_arrays() {
  std::vector<std::pair<std::string, std::vector<float>*>> out;
  if (kind == ScoreKind::Knn || kind == ScoreKind::KnnInput)
    out.emplace_back("codes", &normal_codes);
  if (kind == ScoreKind::Lof) out.emplace_back("lof_rows", &model_free.lof.X);
  if (kind == ScoreKind::Ecod) out.emplace_back("ecod_sorted", &model_free.ecod.sorted);
  return out;
}

json ScoreState::to_json() const {
  json j{{"kind", score_name(kind)}};
  if (kind == ScoreKind::Mahalanobis) {
    j["latent_mean"] = latent_mean;
    j["latent_precision"] = latent_precision;
  }
  if (kind == ScoreKind::FeatureCount) {
    j["feature_thresholds"] = feature_thresholds;
    j["feature_percentile"] = feature_percentile;
  }
  if (kind == ScoreKind::Knn || kind == ScoreKind::KnnInput) j["knn_k"] = knn_k;
  if (kind == ScoreKind::Knn && !code_mean.empty())
    j["code_mean"] = code_mean, j["code_scale"] = code_scale;
  if (uses_view(kind)) j.update(view.to_json());
  if (is_classical(kind)) {
    j["seed"] = seed;
    j["state"] = model_free_to_json(model_free_kind(kind), model_free);
  }
  if (kind == ScoreKind::Classifier)
    j["classes"] = classes, j["ensemble"] = static_cast<int>(classifiers.size());
  if (kind == ScoreKind::Aegmm || kind == ScoreKind::Vaegmm) j["aegmm"] = aegmm.to_json();
  return j;
}

ScoreState ScoreState::from_json(const json& j, const std::string& origin) {
  ScoreState s;
  try {
    s.kind = parse_score_kind(j.at("kind").get<std::string>(), origin + ": score kind");
    if (s.kind == ScoreKind::Mahalanobis) {
      s.latent_mean = j.at("latent_mean").get<std::vector<double>>();
      s.latent_precision = j.at("latent_precision").get<std::vector<double>>();
      if (s.latent_precision.size() != s.latent_mean.size() * s.latent_mean.size())
        throw Error(origin + ": latent_precision is not k x k");
    }
    if (s.kind == ScoreKind::FeatureCount) {
      s.feature_thresholds = j.at("feature_thresholds").get<std::vector<double>>();
      s.feature_percentile = j.at("feature_percentile").get<double>();
    }
    if (s.kind == ScoreKind::Knn || s.kind == ScoreKind::KnnInput)
      s.knn_k = j.at("knn_k").get<int>();
    if (s.knn_k < 1) throw Error(origin + ": knn_k must be at least 1");
    if (s.kind == ScoreKind::Knn && j.contains("code_mean")) {
      s.code_mean = j.at("code_mean").get<std::vector<double>>();
      s.code_scale = j.at("code_scale").get<std::vector<double>>();
      if (s.code_mean.size() != s.code_scale.size())
        throw Error(origin + ": code_mean and code_scale differ in length");
    }
    if (uses_view(s.kind)) s.view = InputView::from_json(j, origin);
    if (is_classical(s.kind)) {
      s.seed = j.value("seed", uint64_t{0});
      model_free_from_json(model_free_kind(s.kind), j.at("state"), s.model_free, origin);
    }
    if (s.kind == ScoreKind::Aegmm || s.kind == ScoreKind::Vaegmm)
      s.aegmm = AegmmState::from_json(j.at("aegmm"), origin);
    if (s.kind == ScoreKind::Classifier) {
      s.classes = j.at("classes").get<std::vector<int32_t>>();
      s.ensemble = j.at("ensemble").get<int>();
      if (s.ensemble < 1 || s.ensemble > 64)
        throw Error(origin + ": a classifier score needs 1 to 64 networks");
    }
  } catch (const json::exception&) {
    throw Error(origin + ": malformed score state (a field is missing or has the wrong type)");
  }
  return s;
}

// Rows [start, start + rows) of x as a tensor on dev: one copy into a (cached) host block, then
// the upload when dev is a GPU.
Tensor chunk_tensor(const float* x, int64_t start, int64_t rows, int64_t D, Device dev) {
  Tensor t = Tensor::empty({rows, D}, Device::cpu());
  host::copy(x + start * D, t.data(), rows * D);  // threaded: a chunk is megabytes
  return dev.is_cpu() ? t : t.to(dev);
}

Tensor chunk_tensor(const std::vector<float>& x, int64_t start, int64_t rows, int64_t D,
                    Device dev) {
  return chunk_tensor(x.data(), start, rows, D, dev);
}

std::vector<float> mse_rows(const Scorer& s, const Tensor& xb) {
  const Tensor r = s.model->to_data(s.model->forward(xb), s.loss);
  return ops::recon_error(xb, r, ops::ReconKind::MSE).row.to(Device::cpu()).to_vector();
}

namespace {

void check_model_for(const Scorer& s, ScoreKind kind, const std::vector<float>& x) {
  if (kind == ScoreKind::Elbo && !dynamic_cast<models::Vae*>(s.model))
    throw UsageError("--score elbo needs a VAE run (this model has no ELBO)");
  if (kind == ScoreKind::Vaegmm && !dynamic_cast<models::Vae*>(s.model))
    throw UsageError("--score vaegmm needs a VAE run (use --score aegmm for this model)");
  if (kind == ScoreKind::BCE) {
    const ops::Act out = s.model->output_act();
    if (!(out == ops::Act::Sigmoid || (out == ops::Act::None && s.loss == "bce")))
      throw UsageError(
          "--score bce needs a model with a sigmoid output (or one trained with --loss bce "
          "on logits)");
    for (float v : x)
      if (!(v >= 0.0f && v <= 1.0f))
        throw UsageError("--score bce needs data in [0, 1], but the (scaled) data contain " +
                         std::to_string(v));
  }
}

// Squared errors per feature of one chunk, on the host.
std::vector<float> chunk_feature_errors(const Scorer& s, const Tensor& x) {
  Tensor r = s.model->to_data(s.model->forward(x), s.loss);
  return ops::recon_error(x, r, ops::ReconKind::MSE, true).feat.to(Device::cpu()).to_vector();
}

// z [*, k] -> (z - code_mean) / code_scale per unit, when the state has a standardisation.
void apply_code_standardization(std::vector<float>& z, int64_t k, const ScoreState& st) {
  if (st.code_mean.empty()) return;
  for (size_t i = 0; i < z.size(); ++i) {
    const size_t a = i % static_cast<size_t>(k);
    z[i] = static_cast<float>((z[i] - st.code_mean[a]) / st.code_scale[a]);
  }
}

// Mean distance of each row of z [r, k] to its `kk` nearest rows of ref [m, k]: squared
// distances from one GEMM, ||z||^2 - 2 z.ref + ||ref||^2, then a partial sort per row.
std::vector<double> knn_distances(const std::vector<float>& z, int64_t r,
                                  const std::vector<float>& ref, int64_t m, int64_t k, int kk) {
  std::vector<float> dots(static_cast<size_t>(r * m));
  host::gemm(host::Trans::N, host::Trans::T, r, m, k, 1.0f, z.data(), k, ref.data(), k, 0.0f,
             dots.data(), m);
  std::vector<double> rn(static_cast<size_t>(m), 0.0);
  for (int64_t j = 0; j < m; ++j)
    for (int64_t a = 0; a < k; ++a) rn[j] += double(ref[j * k + a]) * ref[j * k + a];
  std::vector<double> out(static_cast<size_t>(r)), row(static_cast<size_t>(m));
  const int64_t take = std::min<int64_t>(kk, m);
  for (int64_t i = 0; i < r; ++i) {
    double zn = 0;
    for (int64_t a = 0; a < k; ++a) zn += double(z[i * k + a]) * z[i * k + a];
    for (int64_t j = 0; j < m; ++j) row[j] = std::max(0.0, zn - 2.0 * dots[i * m + j] + rn[j]);
    std::nth_element(row.begin(), row.begin() + (take - 1), row.end());
    double sum = 0;
    for (int64_t t = 0; t < take; ++t) sum += std::sqrt(row[t]);
    out[i] = sum / static_cast<double>(take);
  }
  return out;
}

// Mean squared difference per row between the InputView of the inputs xs [rows, D] (host, as
// scaled) and of their reconstructions. Reconstructions below 0 are clipped to 0 before a
// power (a linear output can undershoot a little; the inputs themselves must be >= 0).
std::vector<float> view_errors(const Scorer& s, const ScoreState& st, const Tensor& xb,
                               const float* xs, int64_t rows, int64_t D) {
  std::vector<float> r =
      s.model->to_data(s.model->forward(xb), s.loss).to(Device::cpu()).to_vector();
  if (st.view.power != 1.0)
    for (float& v : r) v = std::max(v, 0.0f);
  const std::vector<float> a = st.view.apply(xs, rows, D), b = st.view.apply(r.data(), rows, D);
  std::vector<float> out(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < D; ++j) sum += std::pow(double(a[i * D + j]) - b[i * D + j], 2);
    out[static_cast<size_t>(i)] = static_cast<float>(sum / static_cast<double>(D));
  }
  return out;
}

// Per-unit mean and std of codes z [n, k] into st (std 0 -> 1), then z standardised in place.
void standardize_codes(std::vector<float>& z, int64_t n, int64_t k, ScoreState& st) {
  st.code_mean.assign(static_cast<size_t>(k), 0.0);
  st.code_scale.assign(static_cast<size_t>(k), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t a = 0; a < k; ++a) st.code_mean[a] += z[i * k + a] / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t a = 0; a < k; ++a)
      st.code_scale[a] += std::pow(z[i * k + a] - st.code_mean[a], 2) / static_cast<double>(n);
  for (double& v : st.code_scale) v = v > 1e-24 ? std::sqrt(v) : 1.0;
  apply_code_standardization(z, k, st);
}

// The labels of the normal rows as output indices: the sorted distinct classes become 0..C-1.
data::Dataset class_indexed(const std::vector<float>& x, int64_t n, int64_t D,
                            const std::vector<int32_t>& labels, std::vector<int32_t>& classes) {
  classes.assign(labels.begin(), labels.end());
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  data::Dataset d;
  d.name = "normal rows";
  d.n = n;
  d.sample_shape = {D};
  d.x = x;
  d.y.resize(labels.size());
  for (size_t i = 0; i < labels.size(); ++i)
    d.y[i] = static_cast<int32_t>(std::lower_bound(classes.begin(), classes.end(), labels[i]) -
                                  classes.begin());
  return d;
}

// The classifier score: a classifier of the normal classes, fine-tuned from the run's encoder.
void fit_classifier_score(const Scorer& s, ScoreState& st, const std::vector<float>& x, int64_t n,
                          int64_t D, const std::vector<int32_t>& labels) {
  if (s.run == nullptr) throw Error("detect: the classifier score needs the run it fine-tunes");
  if (static_cast<int64_t>(labels.size()) != n)
    throw UsageError(
        "--score classifier needs labelled normal data of at least two classes (--normal-classes)");
  const data::Dataset d = class_indexed(x, n, D, labels, st.classes);
  if (st.classes.size() < 2)
    throw UsageError(
        "--score classifier needs normal data of at least two classes, got only class " +
        std::to_string(st.classes.front()));
  transfer::Options o;
  o.mode = "finetune";
  o.device = s.device;
  st.classifiers.clear();
  for (int i = 0; i < kClassifiers; ++i) {
    o.seed = st.seed + 104729ULL * static_cast<uint64_t>(i);
    st.classifiers.push_back(
        transfer::fit_classifier(*s.run, d, static_cast<int64_t>(st.classes.size()), o, std::cerr)
            .clf);
  }
}

// feature-count: each feature's threshold is its error percentile over the normal rows.
void fit_feature_thresholds(const Scorer& s, ScoreState& st, const std::vector<float>& x, int64_t n,
                            int64_t D) {
  const std::vector<float> e = feature_errors(s, x, n, D);
  st.feature_thresholds.resize(static_cast<size_t>(D));
  std::vector<double> col(static_cast<size_t>(n));
  for (int64_t j = 0; j < D; ++j) {
    for (int64_t i = 0; i < n; ++i) col[static_cast<size_t>(i)] = e[static_cast<size_t>(i * D + j)];
    st.feature_thresholds[static_cast<size_t>(j)] = percentile(col, st.feature_percentile);
  }
}

// knn, knn-input: the normal rows' standardised codes or viewed inputs, the rows the scores
// search.
void fit_knn_rows(const Scorer& s, ScoreState& st, ScoreKind kind, const std::vector<float>& x,
                  int64_t n, int64_t D) {
  const int64_t k = kind == ScoreKind::Knn ? s.model->latent_dim() : D;
  std::vector<float> z = kind == ScoreKind::Knn ? run::encode_rows(*s.model, x, n, s.device)
                         : st.view.identity()   ? x
                                                : st.view.apply(x.data(), n, D);
  if (kind == ScoreKind::Knn) standardize_codes(z, n, k, st);
  constexpr int64_t kMax = 20000;  // a seeded subsample keeps scoring and the saved file bounded
  if (n > kMax) {
    Rng rng(0x6b6e6eULL);
    std::vector<int64_t> idx(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idx[i] = i;
    rng.shuffle(idx);
    std::vector<float> sub(static_cast<size_t>(kMax * k));
    for (int64_t i = 0; i < kMax; ++i)
      std::copy(z.begin() + idx[i] * k, z.begin() + (idx[i] + 1) * k, sub.begin() + i * k);
    z.swap(sub);
  }
  st.normal_codes = std::move(z);
}

// mahalanobis: the latent codes' mean and the precision of their covariance.
void fit_latent_gaussian(const Scorer& s, ScoreState& st, const std::vector<float>& x, int64_t n) {
  const int64_t k = s.model->latent_dim();
  const std::vector<float> zf = run::encode_rows(*s.model, x, n, s.device);
  const std::vector<double> z(zf.begin(), zf.end());
  std::vector<double> mean(static_cast<size_t>(k), 0.0), cov(static_cast<size_t>(k * k), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t a = 0; a < k; ++a) mean[a] += z[i * k + a] / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t a = 0; a < k; ++a)
      for (int64_t b = 0; b <= a; ++b)
        cov[a * k + b] +=
            (z[i * k + a] - mean[a]) * (z[i * k + b] - mean[b]) / static_cast<double>(n - 1);
  double trace = 0;
  for (int64_t a = 0; a < k; ++a) trace += cov[a * k + a];
  // A ridge keeps dead or collinear latent units (common with ReLU codes) from making the
  // covariance singular: 1e-6 of the average variance.
  const double ridge = 1e-6 * trace / static_cast<double>(k) + 1e-12;
  for (int64_t a = 0; a < k; ++a)
    for (int64_t b = 0; b < a; ++b) cov[b * k + a] = cov[a * k + b];
  for (int64_t a = 0; a < k; ++a) cov[a * k + a] += ridge;
  const analysis::SymEigen eig = analysis::sym_eigen(cov, static_cast<int>(k));
  st.latent_mean = mean;
  st.latent_precision.assign(static_cast<size_t>(k * k), 0.0);
  for (int64_t e = 0; e < k; ++e) {
    const double inv = 1.0 / std::max(eig.values[e], ridge);
    const double* v = &eig.vectors[static_cast<size_t>(e * k)];
    for (int64_t a = 0; a < k; ++a)
      for (int64_t b = 0; b < k; ++b) st.latent_precision[a * k + b] += inv * v[a] * v[b];
  }
}

// max, feature-count: a row's largest feature error, or how many features exceed their thresholds.
std::vector<float> feature_error_rows(const Scorer& s, const ScoreState& st, const Tensor& xb,
                                      int64_t rows, int64_t D) {
  const std::vector<float> e = chunk_feature_errors(s, xb);
  std::vector<float> row;
  row.assign(static_cast<size_t>(rows), 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    const float* ei = &e[static_cast<size_t>(i * D)];
    float v = 0;
    if (st.kind == ScoreKind::Max) {
      for (int64_t j = 0; j < D; ++j) v = std::max(v, ei[j]);
    } else {
      for (int64_t j = 0; j < D; ++j)
        v += ei[j] > st.feature_thresholds[static_cast<size_t>(j)] ? 1.0f : 0.0f;
    }
    row[static_cast<size_t>(i)] = v;
  }
  return row;
}

// knn, knn-input: the mean distance of each row to its knn_k nearest normal rows.
void knn_scores(const Scorer& s, const ScoreState& st, const std::vector<float>& x,
                const Tensor& xb, int64_t start, int64_t rows, int64_t D, int64_t k,
                std::vector<double>& out) {
  const bool in = st.kind == ScoreKind::KnnInput;
  const int64_t w = in ? D : k;
  const int64_t m = static_cast<int64_t>(st.normal_codes.size()) / std::max<int64_t>(w, 1);
  if (m < 1 || m * w != static_cast<int64_t>(st.normal_codes.size()))
    throw Error("detect: the " + score_name(st.kind) + " score has no normal rows of width " +
                std::to_string(w));
  std::vector<float> z = in ? st.view.apply(x.data() + start * D, rows, D)
                            : s.model->encode(xb).to(Device::cpu()).to_vector();
  if (!in) apply_code_standardization(z, k, st);
  // Scoring the normal rows themselves would find each row at distance 0: that is the
  // caller's business (fit data are scored against their own codes, as in scikit-learn).
  for (double v : knn_distances(z, rows, st.normal_codes, m, w, st.knn_k)) out.push_back(v);
}

// mahalanobis: each row's squared distance to the normal codes' Gaussian.
void mahalanobis_scores(const Scorer& s, const ScoreState& st, const Tensor& xb, int64_t rows,
                        int64_t k, std::vector<double>& out) {
  if (static_cast<int64_t>(st.latent_mean.size()) != k)
    throw Error("detect: the latent Gaussian was fitted for " +
                std::to_string(st.latent_mean.size()) + " latent values, the model has " +
                std::to_string(k));
  const std::vector<float> z = s.model->encode(xb).to(Device::cpu()).to_vector();
  for (int64_t i = 0; i < rows; ++i) {
    std::vector<double> d(static_cast<size_t>(k));
    for (int64_t a = 0; a < k; ++a) d[a] = z[i * k + a] - st.latent_mean[a];
    double q = 0;
    for (int64_t a = 0; a < k; ++a) {
      double t = 0;
      for (int64_t b = 0; b < k; ++b) t += st.latent_precision[a * k + b] * d[b];
      q += d[a] * t;
    }
    out.push_back(q);
  }
}

// iforest, lof, ecod, pca: the fitted model-free detector on the (viewed) inputs.
void model_free_scores(const ScoreState& st, const std::vector<float>& x, int64_t start,
                       int64_t rows, int64_t D, std::vector<double>& out) {
  const float* xs = x.data() + start * D;
  const std::vector<float> v =
      st.view.identity() ? std::vector<float>() : st.view.apply(xs, rows, D);
  for (double val :
       score_model_free(model_free_kind(st.kind), st.model_free, v.empty() ? xs : v.data(), rows))
    out.push_back(val);
}

// classifier: 1 - the largest class probability of the classifiers' mean.
void classifier_scores(const ScoreState& st, const std::vector<float>& x, int64_t start,
                       int64_t rows, int64_t D, std::vector<double>& out) {
  if (st.classifiers.empty()) throw Error("detect: the classifier score has no trained classifier");
  const int64_t C = static_cast<int64_t>(st.classes.size());
  const std::vector<float> xs(x.begin() + start * D, x.begin() + (start + rows) * D);
  std::vector<float> p(static_cast<size_t>(rows * C), 0.0f);
  for (const auto& c : st.classifiers) {
    const std::vector<float> pc = transfer::probabilities(*c, xs, rows, D);
    for (size_t t = 0; t < p.size(); ++t) p[t] += pc[t] / static_cast<float>(st.classifiers.size());
  }
  for (int64_t i = 0; i < rows; ++i)
    out.push_back(1.0 - *std::max_element(p.begin() + i * C, p.begin() + (i + 1) * C));
}

// elbo: the negative ELBO of each row.
std::vector<float> elbo_rows(const Scorer& s, const Tensor& xb, int64_t rows) {
  auto& vae = dynamic_cast<models::Vae&>(*s.model);
  models::Vae::Posterior q = vae.posterior(xb);
  Tensor sd = ops::exp(ops::mul_scalar(q.logvar, 0.5f));
  // Per-row KL in closed form, reconstruction averaged over L posterior samples.
  constexpr int L = 8;
  Tensor acc = models::Vae::kl_rows(q.mu, q.logvar);
  for (int l = 0; l < L; ++l) {
    Tensor z = ops::add(q.mu, ops::mul(sd, vae.draw_noise(rows, s.device)));
    acc = ops::add(
        acc, ops::mul_scalar(vae.neg_log_likelihood_rows(vae.decode(z), xb, s.loss), 1.0f / L));
  }
  return acc.to(Device::cpu()).to_vector();
}

}  // namespace

std::vector<float> feature_errors(const Scorer& s, const std::vector<float>& x, int64_t n,
                                  int64_t D) {
  autograd::NoGradGuard no_grad;
  std::vector<float> out;
  out.reserve(static_cast<size_t>(n * D));
  for (int64_t start = 0; start < n; start += s.chunk) {
    interrupt::check("scoring");
    const int64_t rows = std::min(s.chunk, n - start);
    std::vector<float> e = chunk_feature_errors(s, chunk_tensor(x, start, rows, D, s.device));
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

ScoreState fit_score(const Scorer& s, ScoreKind kind, const std::vector<float>& x, int64_t n,
                     int64_t D) {
  ScoreState proto;
  proto.kind = kind;
  return fit_score(s, proto, x, n, D);
}

namespace {

// aegmm, vaegmm: the features of every row of x [n, D], in chunks.
std::vector<float> aegmm_rows(const Scorer& s, const std::vector<float>& x, int64_t n, int64_t D) {
  std::vector<float> f;
  f.reserve(static_cast<size_t>(n * (s.model->latent_dim() + 2)));
  for (int64_t start = 0; start < n; start += s.chunk) {
    interrupt::check("aegmm features");
    const int64_t rows = std::min(s.chunk, n - start);
    const std::vector<float> part = aegmm_features(
        *s.model, s.loss, chunk_tensor(x, start, rows, D, s.device), x.data() + start * D);
    f.insert(f.end(), part.begin(), part.end());
  }
  return f;
}

}  // namespace

ScoreState fit_score(const Scorer& s, const ScoreState& proto, const std::vector<float>& x,
                     int64_t n, int64_t D, const std::vector<int32_t>& labels) {
  const ScoreKind kind = proto.kind;
  check_model_for(s, kind, x);
  if (proto.knn_k < 1)
    throw UsageError("--knn-k must be at least 1, got " + std::to_string(proto.knn_k));
  ScoreState st;
  st.kind = kind;
  st.knn_k = proto.knn_k;
  st.seed = proto.seed;
  if (uses_view(kind)) {
    proto.view.check(D);
    st.view = proto.view;
  }
  if (n < 2)
    throw Error("detect: fitting a score needs at least 2 normal samples, got " +
                std::to_string(n));
  if (kind == ScoreKind::Classifier) {
    fit_classifier_score(s, st, x, n, D, labels);
    return st;
  }
  autograd::NoGradGuard no_grad;
  if (is_classical(kind)) {
    const std::vector<float> v =
        st.view.identity() ? std::vector<float>() : st.view.apply(x.data(), n, D);
    st.model_free =
        fit_model_free(model_free_kind(kind), v.empty() ? x.data() : v.data(), n, D, st.seed);
    return st;
  }
  if (kind == ScoreKind::FeatureCount) fit_feature_thresholds(s, st, x, n, D);
  if (kind == ScoreKind::Knn || kind == ScoreKind::KnnInput) fit_knn_rows(s, st, kind, x, n, D);
  if (kind == ScoreKind::Mahalanobis) fit_latent_gaussian(s, st, x, n);
  if (kind == ScoreKind::Aegmm || kind == ScoreKind::Vaegmm) {
    fit_aegmm(st.aegmm, aegmm_rows(s, x, n, D), n, s.model->latent_dim() + 2, proto.seed);
  }
  return st;
}

std::vector<double> score_rows(const Scorer& s, const ScoreState& st, const std::vector<float>& x,
                               int64_t n, int64_t D) {
  check_model_for(s, st.kind, x);
  if (st.kind == ScoreKind::FeatureCount && static_cast<int64_t>(st.feature_thresholds.size()) != D)
    throw Error("detect: the per-feature thresholds were fitted on " +
                std::to_string(st.feature_thresholds.size()) + " features, the data have " +
                std::to_string(D));
  autograd::NoGradGuard no_grad;
  std::vector<double> out;
  out.reserve(static_cast<size_t>(n));
  const int64_t k = s.model->latent_dim();
  for (int64_t start = 0; start < n; start += s.chunk) {
    interrupt::check("scoring");
    const int64_t rows = std::min(s.chunk, n - start);
    Tensor xb = chunk_tensor(x, start, rows, D, s.device);
    std::vector<float> row;
    switch (st.kind) {
      case ScoreKind::MSE: row = mse_rows(s, xb); break;
      case ScoreKind::BCE: {
        const ops::ReconKind kind = models::recon_kind("bce", s.model->output_act());
        row = ops::recon_error(xb, s.model->forward(xb), kind).row.to(Device::cpu()).to_vector();
        break;
      }
      case ScoreKind::Max:
      case ScoreKind::FeatureCount: row = feature_error_rows(s, st, xb, rows, D); break;
      case ScoreKind::Knn:
      case ScoreKind::KnnInput: knn_scores(s, st, x, xb, start, rows, D, k, out); continue;
      case ScoreKind::Mahalanobis: mahalanobis_scores(s, st, xb, rows, k, out); continue;
      case ScoreKind::MseView: {
        row = view_errors(s, st, xb, x.data() + start * D, rows, D);
        break;
      }
      case ScoreKind::IForest:
      case ScoreKind::Lof:
      case ScoreKind::Ecod:
      case ScoreKind::Pca: model_free_scores(st, x, start, rows, D, out); continue;
      case ScoreKind::Classifier: classifier_scores(st, x, start, rows, D, out); continue;
      case ScoreKind::Elbo: row = elbo_rows(s, xb, rows); break;
      case ScoreKind::Aegmm:
      case ScoreKind::Vaegmm:
        aegmm_energy(st.aegmm, aegmm_features(*s.model, s.loss, xb, x.data() + start * D), rows,
                     out);
        continue;
    }
    for (float v : row) out.push_back(v);
  }
  for (double v : out)
    if (!std::isfinite(v))
      throw Error("detect: a " + score_name(st.kind) +
                  " score is not finite (NaN or inf in the model's output)");
  return out;
}

std::vector<double> mse_scores(models::Autoencoder& model, const std::string& loss,
                               const std::vector<float>& x, int64_t n, int64_t D, Device device) {
  Scorer s;
  s.model = &model;
  s.loss = loss;
  s.device = device;
  ScoreState st;
  st.kind = ScoreKind::MSE;
  return score_rows(s, st, x, n, D);
}

}  // namespace hg::detect
