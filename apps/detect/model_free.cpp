#include "apps/detect/model_free.h"

#include <algorithm>
#include <numeric>

#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace hg::detect {

using nlohmann::json;

namespace {

// At most `cap` rows of x [n, D], a seeded subsample in their original order.
std::vector<float> capped_rows(const float* x, int64_t n, int64_t D, int64_t cap, uint64_t seed,
                               int64_t* kept) {
  if (n <= cap) {
    *kept = n;
    return std::vector<float>(x, x + n * D);
  }
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  Rng rng(seed ^ 0x6c6f66ULL);
  rng.shuffle(idx);
  idx.resize(static_cast<size_t>(cap));
  std::sort(idx.begin(), idx.end());
  std::vector<float> out(static_cast<size_t>(cap * D));
  for (int64_t i = 0; i < cap; ++i)
    std::copy(x + idx[i] * D, x + (idx[i] + 1) * D, out.begin() + i * D);
  *kept = cap;
  return out;
}

}  // namespace

ModelFreeState fit_model_free(ModelFreeKind kind, const float* x, int64_t n, int64_t D,
                              uint64_t seed) {
  ModelFreeState st;
  switch (kind) {
    case ModelFreeKind::IForest: {
      analysis::IsolationForestOptions o;
      o.seed = seed;
      st.iforest = analysis::IsolationForest::fit(x, n, D, o);
      break;
    }
    case ModelFreeKind::Lof: {
      int64_t kept = 0;
      const std::vector<float> ref = capped_rows(x, n, D, kLofMaxRows, seed, &kept);
      st.lof = analysis::LocalOutlierFactor::fit(ref.data(), kept, D);
      break;
    }
    case ModelFreeKind::Ecod: {
      analysis::EcodOptions o;
      o.seed = seed;
      st.ecod = analysis::Ecod::fit(x, n, D, o);
      break;
    }
    case ModelFreeKind::Pca: st.pca = analysis::PcaOutlier::fit(x, n, D); break;
  }
  return st;
}

std::vector<double> score_model_free(ModelFreeKind kind, const ModelFreeState& st, const float* x,
                                     int64_t n) {
  switch (kind) {
    case ModelFreeKind::IForest: return st.iforest.score(x, n);
    case ModelFreeKind::Lof: return st.lof.score(x, n);
    case ModelFreeKind::Ecod: return st.ecod.score(x, n);
    case ModelFreeKind::Pca: return st.pca.score(x, n);
  }
  return {};
}

json model_free_to_json(ModelFreeKind kind, const ModelFreeState& st) {
  switch (kind) {
    case ModelFreeKind::IForest: {
      const auto& f = st.iforest;
      return {{"d", f.d},
              {"samples_per_tree", f.samples_per_tree},
              {"tree_start", f.tree_start},
              {"feature", f.feature},
              {"threshold", f.threshold},
              {"left", f.left},
              {"right", f.right},
              {"leaf_size", f.leaf_size}};
    }
    case ModelFreeKind::Lof:
      return {{"n", st.lof.n},
              {"d", st.lof.d},
              {"k", st.lof.k},
              {"k_distance", st.lof.k_distance},
              {"lrd", st.lof.lrd}};
    case ModelFreeKind::Ecod: {
      std::vector<int> sign(st.ecod.skew_sign.begin(), st.ecod.skew_sign.end());
      return {{"n", st.ecod.n}, {"d", st.ecod.d}, {"skew_sign", sign}};
    }
    case ModelFreeKind::Pca:
      return {{"d", st.pca.d},
              {"k", st.pca.k},
              {"mean", st.pca.mean},
              {"components", st.pca.components},
              {"explained_variance_ratio", st.pca.explained_variance_ratio}};
  }
  return json::object();
}

void model_free_from_json(ModelFreeKind kind, const json& j, ModelFreeState& st,
                          const std::string& origin) {
  try {
    switch (kind) {
      case ModelFreeKind::IForest: {
        auto& f = st.iforest;
        f.d = j.at("d").get<int64_t>();
        f.samples_per_tree = j.at("samples_per_tree").get<int64_t>();
        f.tree_start = j.at("tree_start").get<std::vector<int64_t>>();
        f.feature = j.at("feature").get<std::vector<int32_t>>();
        f.threshold = j.at("threshold").get<std::vector<double>>();
        f.left = j.at("left").get<std::vector<int32_t>>();
        f.right = j.at("right").get<std::vector<int32_t>>();
        f.leaf_size = j.at("leaf_size").get<std::vector<int32_t>>();
        break;
      }
      case ModelFreeKind::Lof:
        st.lof.n = j.at("n").get<int64_t>();
        st.lof.d = j.at("d").get<int64_t>();
        st.lof.k = j.at("k").get<int>();
        st.lof.k_distance = j.at("k_distance").get<std::vector<double>>();
        st.lof.lrd = j.at("lrd").get<std::vector<double>>();
        break;
      case ModelFreeKind::Ecod: {
        st.ecod.n = j.at("n").get<int64_t>();
        st.ecod.d = j.at("d").get<int64_t>();
        const auto sign = j.at("skew_sign").get<std::vector<int>>();
        st.ecod.skew_sign.assign(sign.begin(), sign.end());
        break;
      }
      case ModelFreeKind::Pca:
        st.pca.d = j.at("d").get<int64_t>();
        st.pca.k = j.at("k").get<int>();
        st.pca.mean = j.at("mean").get<std::vector<double>>();
        st.pca.components = j.at("components").get<std::vector<double>>();
        st.pca.explained_variance_ratio =
            j.value("explained_variance_ratio", std::vector<double>{});
        break;
    }
  } catch (const json::exception&) {
    throw Error(origin + ": malformed detector state (a field is missing or has the wrong type)");
  }
}

}  // namespace hg::detect
