// Outlier detectors (isolation_forest, lof, ecod, pca_outlier): hand-worked and brute-force
// references, tree invariants, thread-count invariance, error cases; and scikit-learn on two
// seeded Gaussian-mixture tables with planted outliers (tests/analysis/ref/outliers_sklearn.py,
// run through HG_PYTHON3; those tests skip, saying why, when configure found no interpreter
// with scikit-learn and numpy).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "apps/analysis/ecod.h"
#include "apps/analysis/isolation_forest.h"
#include "apps/analysis/lof.h"
#include "apps/analysis/pca_outlier.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"
#include "kernels/cpu/parallel.h"

#ifndef HG_PYTHON3
#define HG_PYTHON3 ""
#endif

namespace hg::analysis {
namespace {

namespace fs = std::filesystem;
namespace kcpu = hg::kernels::cpu;

// ---- data ---------------------------------------------------------------------------------------

struct Table {
  std::string name;
  int64_t d = 0;
  int64_t n_fit = 0, n_test = 0;
  std::vector<float> fit, test;  // [n_fit, d], [n_test, d]
  std::vector<int> label;        // [n_test], 1 = planted outlier
};

void push_row(std::vector<float>& X, const std::vector<double>& row) {
  for (double v : row) X.push_back(static_cast<float>(v));
}

// Copies of `count` fit rows (every 37th) as inlier test rows: values equal to fit values test
// the <= / >= of ECOD's tails, and a LOF neighbour at distance 0.
void add_copies(Table& t, int count) {
  for (int c = 0; c < count; ++c) {
    const int64_t i = (37 * c) % t.n_fit;
    t.test.insert(t.test.end(), t.fit.begin() + i * t.d, t.fit.begin() + (i + 1) * t.d);
    t.label.push_back(0);
  }
}

// 2-D: three Gaussians of different spreads (weights 0.5, 0.3, 0.2); the test rows add 20
// points uniform over a box around all three, some of which land inside the clusters (so the
// AUROCs are around 0.9, not a saturated 1).
Table mixture_2d(uint64_t seed) {
  Rng rng(seed);
  const double cx[3] = {0, 6, 3}, cy[3] = {0, 0, 5}, sd[3] = {1.0, 0.5, 1.5};
  auto inlier = [&] {
    const double u = rng.uniform();
    const int c = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
    return std::vector<double>{cx[c] + sd[c] * rng.normal(), cy[c] + sd[c] * rng.normal()};
  };
  Table t;
  t.name = "mixture2d";
  t.d = 2;
  t.n_fit = 400;
  for (int64_t i = 0; i < t.n_fit; ++i) push_row(t.fit, inlier());
  for (int i = 0; i < 200; ++i) {
    push_row(t.test, inlier());
    t.label.push_back(0);
  }
  add_copies(t, 5);
  for (int i = 0; i < 20; ++i) {
    push_row(t.test, {rng.uniform(-4, 10), rng.uniform(-4, 10)});
    t.label.push_back(1);
  }
  t.n_test = static_cast<int64_t>(t.label.size());
  return t;
}

// 10-D: three Gaussian clusters in a 3-D latent space mapped by a random 10 x 3 matrix, plus
// noise of std 0.1 in every dimension. Planted outliers: 12 inliers pushed off the subspace
// (noise of std 1 in every dimension) and 13 points of the subspace away from the clusters
// (latent uniform in [-4, 8]^3).
Table mixture_10d(uint64_t seed) {
  Rng rng(seed);
  const int64_t d = 10;
  std::vector<double> A(static_cast<size_t>(d * 3));
  for (double& a : A) a = rng.normal();
  const double centre[3][3] = {{0, 0, 0}, {4, 0, 0}, {0, 4, 2}};
  auto map = [&](const double* z, double noise) {
    std::vector<double> x(static_cast<size_t>(d));
    for (int64_t j = 0; j < d; ++j)
      x[j] = A[j * 3] * z[0] + A[j * 3 + 1] * z[1] + A[j * 3 + 2] * z[2] + noise * rng.normal();
    return x;
  };
  auto inlier = [&] {
    const int c = static_cast<int>(rng.below(3));
    double z[3];
    for (int t = 0; t < 3; ++t) z[t] = centre[c][t] + rng.normal();
    return map(z, 0.1);
  };
  Table t;
  t.name = "mixture10d";
  t.d = d;
  t.n_fit = 500;
  for (int64_t i = 0; i < t.n_fit; ++i) push_row(t.fit, inlier());
  for (int i = 0; i < 250; ++i) {
    push_row(t.test, inlier());
    t.label.push_back(0);
  }
  add_copies(t, 5);
  for (int i = 0; i < 12; ++i) {
    std::vector<double> x = inlier();
    for (double& v : x) v += rng.normal();
    push_row(t.test, x);
    t.label.push_back(1);
  }
  for (int i = 0; i < 13; ++i) {
    double z[3];
    for (double& v : z) v = rng.uniform(-4, 8);
    push_row(t.test, map(z, 0.1));
    t.label.push_back(1);
  }
  t.n_test = static_cast<int64_t>(t.label.size());
  return t;
}

const Table& table_2d() {
  static const Table t = mixture_2d(2024);
  return t;
}
const Table& table_10d() {
  static const Table t = mixture_10d(77);
  return t;
}

// ---- rank statistics ----------------------------------------------------------------------------

// 1-based ranks, ties sharing their mean rank.
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (size_t t = i; t <= j; ++t) r[order[t]] = 0.5 * static_cast<double>(i + j) + 1.0;
    i = j + 1;
  }
  return r;
}

// Area under the ROC curve of `score` for label 1 (Mann-Whitney, ties count one half).
double auroc(const std::vector<double>& score, const std::vector<int>& label) {
  const std::vector<double> r = ranks(score);
  double pos = 0, sum = 0;
  for (size_t i = 0; i < r.size(); ++i)
    if (label[i] == 1) {
      ++pos;
      sum += r[i];
    }
  const double neg = static_cast<double>(r.size()) - pos;
  return (sum - pos * (pos + 1) / 2) / (pos * neg);
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  return pearson(ranks(a), ranks(b));
}

double mean_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]) / std::max(std::fabs(b[i]), 1e-300));
  return worst;
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos && msg.find('\n') == std::string::npos;
}

// ---- the scikit-learn reference -----------------------------------------------------------------

constexpr int kRefTrees = 1000;  // both forests: 100 trees leave the AUROC noisy at +-0.01

struct Reference {
  std::string error;  // why the script gave nothing ("" when it ran)
  int pca_k = -1;
  std::map<std::string, std::vector<double>> col;
};

void write_csv(const fs::path& path, const std::vector<float>& X, int64_t n, int64_t d) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr) << path;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      std::fprintf(f, "%.9g%c", static_cast<double>(X[i * d + j]), j + 1 < d ? ',' : '\n');
  std::fclose(f);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Reference run_reference(const Table& t) {
  Reference ref;
  const fs::path dir =
      fs::temp_directory_path() / ("hg_outliers_" + std::to_string(::getpid()) + "_" + t.name);
  fs::create_directories(dir);
  write_csv(dir / "fit.csv", t.fit, t.n_fit, t.d);
  write_csv(dir / "test.csv", t.test, t.n_test, t.d);
  const std::string script = std::string(HG_SOURCE_DIR) + "/tests/analysis/ref/outliers_sklearn.py";
  const std::string cmd = std::string("'") + HG_PYTHON3 + "' '" + script + "' '" +
                          (dir / "fit.csv").string() + "' '" + (dir / "test.csv").string() + "' '" +
                          (dir / "out.csv").string() + "' --seed 0 --n-estimators " +
                          std::to_string(kRefTrees) + " > '" + (dir / "log").string() + "' 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    ref.error = cmd + " failed: " + slurp(dir / "log");
    fs::remove_all(dir);
    return ref;
  }
  std::ifstream in(dir / "out.csv");
  std::string line;
  std::vector<std::string> names;
  while (std::getline(in, line)) {
    if (line.rfind("# pca_k=", 0) == 0) {
      ref.pca_k = std::stoi(line.substr(8));
      continue;
    }
    std::stringstream ss(line);
    std::string cell;
    if (names.empty()) {
      while (std::getline(ss, cell, ',')) names.push_back(cell);
      continue;
    }
    for (size_t c = 0; std::getline(ss, cell, ','); ++c)
      ref.col[names.at(c)].push_back(std::stod(cell));
  }
  fs::remove_all(dir);
  for (const char* c : {"iforest", "iforest_alt", "lof", "pca", "ecod"})
    if (ref.col[c].size() != static_cast<size_t>(t.n_test))
      ref.error = "the reference output lacks column " + std::string(c) + " or rows";
  return ref;
}

// One run of the script per table, shared by the tests below.
const Reference& reference(const Table& t) {
  static std::map<std::string, Reference> cache;
  auto it = cache.find(t.name);
  if (it == cache.end()) it = cache.emplace(t.name, run_reference(t)).first;
  return it->second;
}

#define SKIP_WITHOUT_SKLEARN()                                                                \
  do {                                                                                        \
    if (std::string(HG_PYTHON3).empty())                                                      \
      GTEST_SKIP() << "no Python 3 with scikit-learn and numpy was found when configuring "   \
                      "(install python3-sklearn python3-numpy, or scripts/install-deps, and " \
                      "re-run cmake)";                                                        \
  } while (0)

std::vector<const Table*> tables() { return {&table_2d(), &table_10d()}; }

// ---- comparisons with scikit-learn --------------------------------------------------------------

TEST(OutliersVsSklearn, IsolationForestAgreesInDistribution) {
  SKIP_WITHOUT_SKLEARN();
  for (const Table* t : tables()) {
    const Reference& ref = reference(*t);
    ASSERT_EQ(ref.error, "") << t->name;
    IsolationForestOptions opt;
    opt.n_estimators = kRefTrees;
    const IsolationForest f = IsolationForest::fit(t->fit.data(), t->n_fit, t->d, opt);
    const std::vector<double> ours = f.score(t->test.data(), t->n_test);
    const std::vector<double>& sk = ref.col.at("iforest");
    const std::vector<double>& alt = ref.col.at("iforest_alt");
    const double a_ours = auroc(ours, t->label), a_sk = auroc(sk, t->label);
    const double rho = spearman(ours, sk);
    // Two scikit-learn forests (seeds 0 and 1) differ by this much per row: ours should be no
    // further from seed 0 than seed 1 is, up to the same sampling noise.
    const double gap = mean_abs_diff(ours, sk), natural = mean_abs_diff(alt, sk);
    std::printf(
        "[ %s ] isolation forest (%d trees): AUROC %.4f vs scikit-learn %.4f (seed 1: "
        "%.4f); Spearman %.4f; mean |diff| %.4f (scikit-learn seed 0 vs 1: %.4f)\n",
        t->name.c_str(), kRefTrees, a_ours, a_sk, auroc(alt, t->label), rho, gap, natural);
    EXPECT_NEAR(a_ours, a_sk, 0.01) << t->name;
    EXPECT_GT(rho, 0.9) << t->name;
    EXPECT_LT(gap, 1.3 * natural) << t->name;
  }
}

TEST(OutliersVsSklearn, LofMatchesPointwise) {
  SKIP_WITHOUT_SKLEARN();
  for (const Table* t : tables()) {
    const Reference& ref = reference(*t);
    ASSERT_EQ(ref.error, "") << t->name;
    const LocalOutlierFactor lof = LocalOutlierFactor::fit(t->fit.data(), t->n_fit, t->d);
    EXPECT_EQ(lof.k, 20);
    const std::vector<double> ours = lof.score(t->test.data(), t->n_test);
    const std::vector<double>& sk = ref.col.at("lof");
    const double rel = max_rel_diff(ours, sk);
    std::printf("[ %s ] LOF: max relative difference %.2e; AUROC %.4f vs scikit-learn %.4f\n",
                t->name.c_str(), rel, auroc(ours, t->label), auroc(sk, t->label));
    EXPECT_LT(rel, 1e-6) << t->name;
    EXPECT_NEAR(auroc(ours, t->label), auroc(sk, t->label), 0.01) << t->name;
  }
}

TEST(OutliersVsSklearn, PcaReconstructionMatchesPointwise) {
  SKIP_WITHOUT_SKLEARN();
  for (const Table* t : tables()) {
    const Reference& ref = reference(*t);
    ASSERT_EQ(ref.error, "") << t->name;
    const PcaOutlier p = PcaOutlier::fit(t->fit.data(), t->n_fit, t->d);  // k = 0: auto
    EXPECT_EQ(p.k, ref.pca_k) << t->name;
    const std::vector<double> ours = p.score(t->test.data(), t->n_test);
    const std::vector<double>& sk = ref.col.at("pca");
    const double rel = max_rel_diff(ours, sk);
    std::printf(
        "[ %s ] PCA (k = %d, scikit-learn %d): max relative difference %.2e; AUROC "
        "%.4f vs scikit-learn %.4f\n",
        t->name.c_str(), p.k, ref.pca_k, rel, auroc(ours, t->label), auroc(sk, t->label));
    // The error is that of the components: pca.cpp accumulates the covariance in float blocks,
    // which leaves a relative error of ~5e-5 on the tiny residuals of rows near the 2-D table's
    // principal line (computing our residuals in double from our components changes them by
    // ~5e-6 only).
    EXPECT_LT(rel, 1e-4) << t->name;
    EXPECT_NEAR(auroc(ours, t->label), auroc(sk, t->label), 0.01) << t->name;
  }
}

TEST(OutliersVsSklearn, EcodMatchesPointwise) {
  SKIP_WITHOUT_SKLEARN();
  for (const Table* t : tables()) {
    const Reference& ref = reference(*t);
    ASSERT_EQ(ref.error, "") << t->name;
    const Ecod e = Ecod::fit(t->fit.data(), t->n_fit, t->d);
    const std::vector<double> ours = e.score(t->test.data(), t->n_test);
    const std::vector<double>& sk = ref.col.at("ecod");
    const double rel = max_rel_diff(ours, sk);
    std::printf("[ %s ] ECOD: max relative difference %.2e; AUROC %.4f vs numpy %.4f\n",
                t->name.c_str(), rel, auroc(ours, t->label), auroc(sk, t->label));
    EXPECT_LT(rel, 1e-12) << t->name;
    EXPECT_NEAR(auroc(ours, t->label), auroc(sk, t->label), 0.01) << t->name;
  }
}

// ---- tests without Python: shared data --------------------------------------------------------

// n rows of a rank-2 structure in 5-D plus noise of std 0.05, far from the origin when offset
// is large.
std::vector<float> low_rank_5d(int64_t n, uint64_t seed, double offset = 0.0) {
  Rng rng(seed);
  std::vector<float> X;
  for (int64_t i = 0; i < n; ++i) {
    const double a = 3 * rng.normal(), b = rng.normal();
    push_row(X, {offset + a + b, offset + a - b, offset + 0.5 * a, offset + b + 0.05 * rng.normal(),
                 offset + 0.05 * rng.normal()});
    for (int j = 0; j < 4; ++j) X[X.size() - 5 + j] += static_cast<float>(0.05 * rng.normal());
  }
  return X;
}

// 50 fresh inliers, then one planted outlier (index 50): off the structure and away from it.
std::vector<float> with_planted(uint64_t seed) {
  std::vector<float> Y = low_rank_5d(50, seed);
  push_row(Y, {4.0, -4.0, 2.5, 3.0, 2.0});
  return Y;
}

int64_t argmax(const std::vector<double>& v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

TEST(Outliers, PlantedOutlierScoresHighestForEveryDetector) {
  const int64_t n = 300, d = 5;
  const std::vector<float> X = low_rank_5d(n, 1);
  const std::vector<float> Y = with_planted(2);
  const int64_t m = 51;
  EXPECT_EQ(argmax(IsolationForest::fit(X.data(), n, d).score(Y.data(), m)), 50);
  EXPECT_EQ(argmax(LocalOutlierFactor::fit(X.data(), n, d).score(Y.data(), m)), 50);
  EXPECT_EQ(argmax(Ecod::fit(X.data(), n, d).score(Y.data(), m)), 50);
  const PcaOutlier p = PcaOutlier::fit(X.data(), n, d);
  EXPECT_EQ(p.k, 2);  // two strong directions carry > 90% of the variance
  EXPECT_EQ(argmax(p.score(Y.data(), m)), 50);
}

TEST(Outliers, SameResultsForOneAndTwoThreadsAndForTheSameSeed) {
  const int64_t n = 3000, d = 5, m = 51;
  const std::vector<float> X = low_rank_5d(n, 3);
  const std::vector<float> Y = with_planted(4);
  IsolationForestOptions fo;
  fo.seed = 9;
  EcodOptions eo;
  eo.max_rows = 1000;  // a seeded subsample
  eo.seed = 9;
  struct Run {
    IsolationForest f;
    LocalOutlierFactor l;
    Ecod e;
    PcaOutlier p;
    std::vector<double> sf, sl, se, sp;
  };
  auto run = [&] {
    Run r{IsolationForest::fit(X.data(), n, d, fo),
          LocalOutlierFactor::fit(X.data(), n, d),
          Ecod::fit(X.data(), n, d, eo),
          PcaOutlier::fit(X.data(), n, d),
          {},
          {},
          {},
          {}};
    r.sf = r.f.score(Y.data(), m);
    r.sl = r.l.score(Y.data(), m);
    r.se = r.e.score(Y.data(), m);
    r.sp = r.p.score(Y.data(), m);
    return r;
  };
  kcpu::set_num_threads(1);
  const Run a = run();
  kcpu::set_num_threads(2);
  const Run b = run();
  const Run c = run();
  kcpu::set_num_threads(0);
  for (const Run* r : {&b, &c}) {
    EXPECT_EQ(a.f.feature, r->f.feature);
    EXPECT_EQ(a.f.threshold, r->f.threshold);
    EXPECT_EQ(a.f.left, r->f.left);
    EXPECT_EQ(a.f.leaf_size, r->f.leaf_size);
    EXPECT_EQ(a.l.k_distance, r->l.k_distance);
    EXPECT_EQ(a.l.lrd, r->l.lrd);
    EXPECT_EQ(a.e.sorted, r->e.sorted);
    EXPECT_EQ(a.p.components, r->p.components);
    EXPECT_EQ(a.sf, r->sf);
    EXPECT_EQ(a.sl, r->sl);
    EXPECT_EQ(a.se, r->se);
    EXPECT_EQ(a.sp, r->sp);
  }
  // Another seed: another forest and another ECOD subsample.
  fo.seed = 10;
  eo.seed = 10;
  EXPECT_NE(IsolationForest::fit(X.data(), n, d, fo).threshold, a.f.threshold);
  EXPECT_NE(Ecod::fit(X.data(), n, d, eo).sorted, a.e.sorted);
}

// ---- isolation forest ---------------------------------------------------------------------------

TEST(IsolationForest, AveragePathLength) {
  EXPECT_EQ(iforest_average_path_length(0), 0.0);
  EXPECT_EQ(iforest_average_path_length(1), 0.0);
  EXPECT_EQ(iforest_average_path_length(2), 1.0);
  EXPECT_NEAR(iforest_average_path_length(3), 2 * (std::log(2.0) + 0.5772156649015329) - 4.0 / 3,
              1e-15);
  // ln(m - 1) + gamma stands in for H(m - 1): within 1 / (m - 1) of 2 H(m - 1) - 2 (m - 1) / m.
  for (int64_t m : {10, 256, 10000}) {
    double h = 0;
    for (int64_t i = 1; i < m; ++i) h += 1.0 / static_cast<double>(i);
    const double exact = 2 * h - 2.0 * (m - 1) / m;
    EXPECT_NEAR(iforest_average_path_length(m), exact, 1.0 / (m - 1)) << m;
    EXPECT_NE(iforest_average_path_length(m), exact);
  }
}

// Every tree routes its own rows consistently: with n <= max_samples each tree holds all n rows,
// so sending them down again must reproduce leaf_size at every node.
TEST(IsolationForest, TreesHoldTheirRowsAndRespectTheDepthLimit) {
  const int64_t n = 200, d = 5;
  std::vector<float> X = low_rank_5d(n, 5);
  for (int64_t i = 0; i < 20; ++i) X[(10 * i) * d + 4] = 0.0f;  // some ties in one feature
  const IsolationForest f = IsolationForest::fit(X.data(), n, d);
  ASSERT_EQ(f.n_trees(), 100);
  EXPECT_EQ(f.samples_per_tree, n);
  int deepest = 0;
  for (int t = 0; t < f.n_trees(); ++t) {
    const int64_t lo = f.tree_start[t], hi = f.tree_start[t + 1];
    std::vector<int32_t> count(static_cast<size_t>(hi - lo), 0);
    std::vector<std::vector<int64_t>> at_leaf(static_cast<size_t>(hi - lo));
    for (int64_t i = 0; i < n; ++i) {
      int64_t node = lo;
      int depth = 0;
      ++count[0];
      while (f.feature[node] >= 0) {
        node = X[i * d + f.feature[node]] <= f.threshold[node] ? f.left[node] : f.right[node];
        ++depth;
        ++count[node - lo];
      }
      at_leaf[node - lo].push_back(i);
      deepest = std::max(deepest, depth);
      ASSERT_LE(depth, 8) << "tree " << t;  // ceil(log2(200))
    }
    for (int64_t node = lo; node < hi; ++node) {
      ASSERT_EQ(count[node - lo], f.leaf_size[node]) << "tree " << t << " node " << node;
      if (f.feature[node] >= 0) {
        EXPECT_GT(f.leaf_size[f.left[node]], 0);
        EXPECT_GT(f.leaf_size[f.right[node]], 0);
      }
    }
  }
  EXPECT_EQ(deepest, 8);
}

TEST(IsolationForest, SplitsOnlyOnFeaturesThatVaryInTheNode) {
  // Feature 0 is constant, feature 1 takes two values, feature 2 varies: every split uses 1 or 2;
  // once a node holds one value of feature 1, only feature 2 can split it.
  const int64_t n = 256, d = 3;
  Rng rng(6);
  std::vector<float> X;
  for (int64_t i = 0; i < n; ++i) push_row(X, {7.0, i % 2 ? 1.0 : -1.0, rng.normal()});
  const IsolationForest f = IsolationForest::fit(X.data(), n, d);
  int on1 = 0, on2 = 0;
  for (size_t i = 0; i < f.feature.size(); ++i) {
    EXPECT_NE(f.feature[i], 0);
    on1 += f.feature[i] == 1;
    on2 += f.feature[i] == 2;
  }
  EXPECT_GT(on1, 0);
  EXPECT_GT(on2, 10 * on1);
  // All rows identical: single-leaf trees, every score exactly 2^-1.
  const std::vector<float> same(static_cast<size_t>(50 * 4), 3.5f);
  const IsolationForest g = IsolationForest::fit(same.data(), 50, 4);
  EXPECT_EQ(g.feature.size(), 100u);
  for (double v : g.score(same.data(), 3)) EXPECT_DOUBLE_EQ(v, 0.5);
}

TEST(IsolationForest, RejectsInconsistentForests) {
  const std::vector<float> X = low_rank_5d(100, 7);
  const IsolationForest f = IsolationForest::fit(X.data(), 100, 5);
  ASSERT_GE(f.feature[0], 0);
  IsolationForest loop = f;
  loop.left[0] = 0;  // a child that does not point forward would loop forever
  EXPECT_TRUE(has(error_of([&] { loop.score(X.data(), 1); }), "node 0 of tree 0"));
  IsolationForest bad_feature = f;
  bad_feature.feature[0] = 5;
  EXPECT_TRUE(has(error_of([&] { bad_feature.score(X.data(), 1); }), "bad feature or child"));
  IsolationForest sizes = f;
  sizes.threshold.pop_back();
  EXPECT_TRUE(has(error_of([&] { sizes.score(X.data(), 1); }), "inconsistent"));
  EXPECT_TRUE(has(error_of([&] { IsolationForest().score(X.data(), 1); }), "before fit"));
}

// ---- LOF ----------------------------------------------------------------------------------------

// LOF straight from the definitions, in double, all pairs, ties to the lower index.
struct NaiveLof {
  int k;
  std::vector<double> k_distance, lrd, score;
};

std::vector<std::pair<double, int>> naive_neighbours(const std::vector<float>& R, int64_t n,
                                                     const float* q, int64_t d, int k,
                                                     int64_t self) {
  std::vector<std::pair<double, int>> all;
  for (int64_t j = 0; j < n; ++j) {
    if (j == self) continue;
    double s2 = 0;
    for (int64_t t = 0; t < d; ++t) {
      const double diff = static_cast<double>(q[t]) - R[j * d + t];
      s2 += diff * diff;
    }
    all.emplace_back(s2, static_cast<int>(j));
  }
  std::sort(all.begin(), all.end());
  all.resize(static_cast<size_t>(k));
  for (auto& p : all) p.first = std::sqrt(p.first);
  return all;
}

NaiveLof naive_lof(const std::vector<float>& R, int64_t n, const std::vector<float>& Y, int64_t m,
                   int64_t d, int k) {
  NaiveLof r{k, {}, {}, {}};
  std::vector<std::vector<std::pair<double, int>>> nb(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    nb[i] = naive_neighbours(R, n, &R[i * d], d, k, i);
    r.k_distance.push_back(nb[i].back().first);
  }
  auto density = [&](const std::vector<std::pair<double, int>>& v) {
    double reach = 0;
    for (const auto& [dist, j] : v) reach += std::max(dist, r.k_distance[j]);
    return 1.0 / (reach / k + 1e-10);
  };
  for (int64_t i = 0; i < n; ++i) r.lrd.push_back(density(nb[i]));
  for (int64_t q = 0; q < m; ++q) {
    const auto v = naive_neighbours(R, n, &Y[q * d], d, k, -1);
    const double own = density(v);
    double s = 0;
    for (const auto& p : v) s += r.lrd[p.second] / own;
    r.score.push_back(s / k);
  }
  return r;
}

void expect_matches_naive(const std::vector<float>& X, int64_t n, const std::vector<float>& Y,
                          int64_t m, int64_t d, int n_neighbors, double tol) {
  LofOptions opt;
  opt.n_neighbors = n_neighbors;
  const LocalOutlierFactor lof = LocalOutlierFactor::fit(X.data(), n, d, opt);
  const NaiveLof ref = naive_lof(X, n, Y, m, d, lof.k);
  EXPECT_EQ(lof.X, X);
  EXPECT_LT(max_rel_diff(lof.k_distance, ref.k_distance), tol);
  EXPECT_LT(max_rel_diff(lof.lrd, ref.lrd), tol);
  EXPECT_LT(max_rel_diff(lof.score(Y.data(), m), ref.score), tol);
}

TEST(Lof, MatchesDirectComputation) {
  const Table& t = table_10d();
  expect_matches_naive(t.fit, t.n_fit, t.test, t.n_test, t.d, 20, 1e-12);
  // Far from the origin: the float expansion |a|^2 - 2ab + |b|^2 alone would cancel here.
  const std::vector<float> far = low_rank_5d(400, 8, 1.0e4);
  const std::vector<float> far_q = low_rank_5d(60, 9, 1.0e4);
  expect_matches_naive(far, 400, far_q, 60, 5, 10, 1e-9);
}

TEST(Lof, NeighboursAreExactWithTiesToTheLowerIndex) {
  // Points of a small integer grid, each several times: many equal distances.
  const int64_t n = 300, d = 3;
  Rng rng(10);
  std::vector<float> X;
  for (int64_t i = 0; i < n; ++i)
    push_row(X, {double(rng.below(4)), double(rng.below(4)), double(rng.below(3))});
  for (bool self : {true, false}) {
    std::vector<int32_t> idx;
    std::vector<double> dist;
    const int k = 25;
    detail::exact_knn(X.data(), n, X.data(), n, d, k, self, &idx, &dist);
    for (int64_t q = 0; q < n; ++q) {
      const auto ref = naive_neighbours(X, n, &X[q * d], d, k, self ? q : -1);
      for (int j = 0; j < k; ++j) {
        ASSERT_EQ(idx[q * k + j], ref[j].second) << "row " << q << " neighbour " << j;
        ASSERT_EQ(dist[q * k + j], ref[j].first);
      }
    }
  }
}

TEST(Lof, DuplicatesBeyondKUseScikitLearnsGuard) {
  // 30 copies of one point (more than k = 20): their k-distance and mean reachability are 0,
  // so lrd = 1 / 1e-10; a row scored at that point gets the mean ratio 1.
  const int64_t d = 2;
  std::vector<float> X;
  for (int i = 0; i < 30; ++i) push_row(X, {1.0, 1.0});
  Rng rng(11);
  for (int i = 0; i < 70; ++i) push_row(X, {3 * rng.normal(), 3 * rng.normal()});
  const LocalOutlierFactor lof = LocalOutlierFactor::fit(X.data(), 100, d);
  EXPECT_EQ(lof.k_distance[0], 0.0);
  EXPECT_EQ(lof.lrd[0], 1e10);
  const std::vector<float> Y = {1.0f, 1.0f, 20.0f, 20.0f};
  const std::vector<double> s = lof.score(Y.data(), 2);
  EXPECT_DOUBLE_EQ(s[0], 1.0);
  EXPECT_GT(s[1], 10.0);
  expect_matches_naive(X, 100, Y, 2, d, 20, 1e-12);
}

TEST(Lof, NeighboursCappedAtNMinusOne) {
  const std::vector<float> X = {0, 1, 3, 7, 15};
  const LocalOutlierFactor lof = LocalOutlierFactor::fit(X.data(), 5, 1);
  EXPECT_EQ(lof.k, 4);
  // Row 0's neighbours are 1, 3, 7, 15: k-distance 15; and so on.
  EXPECT_EQ(lof.k_distance, (std::vector<double>{15, 14, 12, 8, 15}));
  expect_matches_naive(X, 5, X, 5, 1, 20, 1e-15);
}

// ---- ECOD ---------------------------------------------------------------------------------------

TEST(Ecod, HandWorkedColumns) {
  // One column per skewness sign, N = 5 each:
  //   a = 1 2 3 4 10        mean 4, m3 = (-27 - 8 - 1 + 0 + 216) / 5 > 0: s = +1
  //   b = -10 -4 -3 -2 -1   the mirror image: s = -1
  //   c = 1 2 3 4 5         symmetric, m3 = 0: s = 0, score adds both tails
  const std::vector<float> X = {1, -10, 1, 2, -4, 2, 3, -3, 3, 4, -2, 4, 10, -1, 5};
  const Ecod e = Ecod::fit(X.data(), 5, 3);
  EXPECT_EQ(e.skew_sign, (std::vector<int8_t>{1, -1, 0}));
  EXPECT_EQ(e.sorted, (std::vector<float>{1, 2, 3, 4, 10, -10, -4, -3, -2, -1, 1, 2, 3, 4, 5}));
  const double l5 = std::log(5.0);
  auto U = [](int count) { return -std::log(std::max(count, 1) / 5.0); };
  // Rows: (a, b, c) values. For s = +-1 the feature adds max(U_l, U_r); for s = 0, U_l + U_r.
  const std::vector<float> Y = {10,  -10, 3,   // a: #<= 5, #>= 1; b: #<= 1, #>= 5; c: 3 and 3
                                0,   0,   0,   // below / above / below every value
                                2.5, -3,  5,   // a: 2 and 3; b: #<= 3, #>= 3; c: 5 and 1
                                4,   -1,  1};  // ties with the fit values
  const std::vector<double> s = e.score(Y.data(), 4);
  EXPECT_NEAR(s[0], l5 + l5 + 2 * U(3), 1e-15);
  EXPECT_NEAR(s[1], l5 + l5 + (l5 + U(5)), 1e-15);
  EXPECT_NEAR(s[2], U(2) + U(3) + (U(5) + U(1)), 1e-15);
  EXPECT_NEAR(s[3], U(2) + U(1) + (U(1) + U(5)), 1e-15);
  EXPECT_NEAR(s[2], std::log(2.5) + std::log(5.0 / 3) + l5, 1e-15);
  // Ties at the bottom of a column: 0 0 0 1 5 (s = +1). At 0, #<= 3 and #>= 5: ln(5/3) (a
  // strict < would give #< 0, clipped to 1: ln 5); at 1, #<= 4 and #>= 2: ln(5/2).
  const std::vector<float> z = {0, 0, 5, 1, 0};
  const Ecod ez = Ecod::fit(z.data(), 5, 1);
  EXPECT_EQ(ez.skew_sign[0], 1);
  const std::vector<float> zy = {0, 1};
  const std::vector<double> zs = ez.score(zy.data(), 2);
  EXPECT_NEAR(zs[0], std::log(5.0 / 3), 1e-15);
  EXPECT_NEAR(zs[1], std::log(2.5), 1e-15);
}

TEST(Ecod, SubsamplesAtMostMaxRows) {
  const int64_t n = 500, d = 5;
  const std::vector<float> X = low_rank_5d(n, 12);
  EcodOptions opt;
  opt.max_rows = 100;
  const Ecod e = Ecod::fit(X.data(), n, d, opt);
  ASSERT_EQ(e.n, 100);
  // The kept values of each column are those of the same 100 rows: find them through column 0.
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < n; ++i)
    if (std::binary_search(e.sorted.begin(), e.sorted.begin() + 100, X[i * d])) rows.push_back(i);
  ASSERT_EQ(rows.size(), 100u);
  for (int64_t j = 1; j < d; ++j) {
    std::vector<float> col;
    for (int64_t i : rows) col.push_back(X[i * d + j]);
    std::sort(col.begin(), col.end());
    EXPECT_EQ(col,
              std::vector<float>(e.sorted.begin() + j * 100, e.sorted.begin() + (j + 1) * 100));
  }
  opt.max_rows = n;  // no subsample: the full columns
  EXPECT_EQ(Ecod::fit(X.data(), n, d, opt).n, n);
}

// ---- PCA reconstruction -------------------------------------------------------------------------

TEST(PcaOutlier, ScoreIsTheSquaredDistanceToTheSubspace) {
  const int64_t n = 400, d = 5;
  const std::vector<float> X = low_rank_5d(n, 13);
  const std::vector<float> Y = with_planted(14);
  for (int k : {1, 2, 3}) {
    PcaOutlierOptions opt;
    opt.k = k;
    const PcaOutlier p = PcaOutlier::fit(X.data(), n, d, opt);
    ASSERT_EQ(p.k, k);
    const std::vector<double> s = p.score(Y.data(), 51);
    for (int64_t i = 0; i < 51; ++i) {
      // r = (y - mean) - sum_c (component_c . (y - mean)) component_c, in double.
      std::vector<double> r(d);
      for (int64_t j = 0; j < d; ++j) r[j] = Y[i * d + j] - p.mean[j];
      std::vector<double> z(k, 0.0);
      for (int c = 0; c < k; ++c)
        for (int64_t j = 0; j < d; ++j) z[c] += p.components[c * d + j] * r[j];
      for (int c = 0; c < k; ++c)
        for (int64_t j = 0; j < d; ++j) r[j] -= z[c] * p.components[c * d + j];
      double want = 0, norm = 0;
      for (int64_t j = 0; j < d; ++j) {
        want += r[j] * r[j];
        norm += (Y[i * d + j] - p.mean[j]) * (Y[i * d + j] - p.mean[j]);
      }
      EXPECT_NEAR(s[i], want, 1e-6 * norm) << "k " << k << " row " << i;
    }
  }
  PcaOutlierOptions all;
  all.k = static_cast<int>(d);  // the whole space: nothing left over
  const PcaOutlier p = PcaOutlier::fit(X.data(), n, d, all);
  for (double v : p.score(Y.data(), 51)) EXPECT_LT(v, 1e-9);
}

TEST(PcaOutlier, AutoKExplainsTheVarianceFraction) {
  // Independent columns of standard deviations 10, 5, 3, 1, 0.5: variance shares 100, 25, 9, 1,
  // 0.25 out of 135.25, cumulated 0.739, 0.924, 0.991, 0.998, 1.
  const int64_t n = 20000, d = 5;
  Rng rng(15);
  std::vector<float> X;
  for (int64_t i = 0; i < n; ++i)
    push_row(X, {10 * rng.normal(), 5 * rng.normal(), 3 * rng.normal(), rng.normal(),
                 0.5 * rng.normal()});
  PcaOutlierOptions opt;
  EXPECT_EQ(PcaOutlier::fit(X.data(), n, d, opt).k, 2);
  opt.auto_variance = 0.95;
  EXPECT_EQ(PcaOutlier::fit(X.data(), n, d, opt).k, 3);
  opt.auto_variance = 0.7;
  EXPECT_EQ(PcaOutlier::fit(X.data(), n, d, opt).k, 1);
  opt.auto_variance = 1.0;  // capped at d - 1
  const PcaOutlier p = PcaOutlier::fit(X.data(), n, d, opt);
  EXPECT_EQ(p.k, 4);
  EXPECT_EQ(p.components.size(), 4u * d);
  EXPECT_EQ(p.explained_variance_ratio.size(), 4u);
  EXPECT_NEAR(p.explained_variance_ratio[0], 100 / 135.25, 0.02);
}

// ---- errors -------------------------------------------------------------------------------------

TEST(Outliers, Errors) {
  const int64_t d = 3;
  std::vector<float> X(static_cast<size_t>(10 * d));
  for (size_t i = 0; i < X.size(); ++i) X[i] = static_cast<float>((i * 7) % 11);
  std::vector<float> bad = X;
  bad[3 * d + 1] = NAN;
  std::vector<float> inf = X;
  inf[6 * d] = INFINITY;

  EXPECT_TRUE(has(error_of([&] { IsolationForest::fit(X.data(), 1, d); }), "at least 2 samples"));
  EXPECT_TRUE(has(error_of([&] { IsolationForest::fit(X.data(), 10, 0); }), "at least 1 feature"));
  EXPECT_TRUE(has(error_of([&] { IsolationForest::fit(bad.data(), 10, d); }), "row 3 "));
  IsolationForestOptions fo;
  fo.n_estimators = 0;
  EXPECT_TRUE(has(error_of([&] { IsolationForest::fit(X.data(), 10, d, fo); }), "n_estimators"));
  fo = {};
  fo.max_samples = 1;
  EXPECT_TRUE(has(error_of([&] { IsolationForest::fit(X.data(), 10, d, fo); }), "max_samples"));
  const IsolationForest f = IsolationForest::fit(X.data(), 10, d);
  EXPECT_TRUE(has(error_of([&] { f.score(inf.data(), 10); }), "row 6 "));
  EXPECT_TRUE(f.score(nullptr, 0).empty());

  EXPECT_TRUE(has(error_of([&] { LocalOutlierFactor::fit(X.data(), 1, d); }), "at least 2"));
  EXPECT_TRUE(has(error_of([&] { LocalOutlierFactor::fit(X.data(), 10, 0); }), "at least 1"));
  EXPECT_TRUE(has(error_of([&] { LocalOutlierFactor::fit(bad.data(), 10, d); }), "row 3 "));
  LofOptions lo;
  lo.n_neighbors = 0;
  EXPECT_TRUE(has(error_of([&] { LocalOutlierFactor::fit(X.data(), 10, d, lo); }), "n_neighbors"));
  LocalOutlierFactor lof = LocalOutlierFactor::fit(X.data(), 10, d);
  EXPECT_EQ(lof.k, 9);
  EXPECT_TRUE(has(error_of([&] { lof.score(inf.data(), 10); }), "row 6 "));
  lof.k = 10;
  EXPECT_TRUE(has(error_of([&] { lof.score(X.data(), 1); }), "between 1 and n - 1 = 9"));
  lof.k = 9;
  lof.lrd.pop_back();
  EXPECT_TRUE(has(error_of([&] { lof.score(X.data(), 1); }), "inconsistent"));
  EXPECT_TRUE(has(error_of([&] { LocalOutlierFactor().score(X.data(), 1); }), "before fit"));

  EXPECT_TRUE(has(error_of([&] { Ecod::fit(X.data(), 1, d); }), "at least 2"));
  EXPECT_TRUE(has(error_of([&] { Ecod::fit(X.data(), 10, 0); }), "at least 1"));
  EXPECT_TRUE(has(error_of([&] { Ecod::fit(bad.data(), 10, d); }), "row 3 "));
  EcodOptions eo;
  eo.max_rows = 1;
  EXPECT_TRUE(has(error_of([&] { Ecod::fit(X.data(), 10, d, eo); }), "max_rows"));
  Ecod e = Ecod::fit(X.data(), 10, d);
  EXPECT_TRUE(has(error_of([&] { e.score(inf.data(), 10); }), "row 6 "));
  e.skew_sign[1] = 2;
  EXPECT_TRUE(has(error_of([&] { e.score(X.data(), 1); }), "feature 1"));
  EXPECT_TRUE(has(error_of([&] { Ecod().score(X.data(), 1); }), "before fit"));

  PcaOutlierOptions po;
  EXPECT_TRUE(has(error_of([&] { PcaOutlier::fit(X.data(), 1, d); }), "at least 2"));
  EXPECT_TRUE(has(error_of([&] { PcaOutlier::fit(X.data(), 10, 0); }), "at least 1"));
  EXPECT_TRUE(has(error_of([&] { PcaOutlier::fit(bad.data(), 10, d); }), "row 3 "));
  po.k = 4;
  EXPECT_TRUE(has(error_of([&] { PcaOutlier::fit(X.data(), 10, d, po); }),
                  "between 1 and min(n, d) = 3, got 4"));
  po.k = -1;
  EXPECT_TRUE(has(error_of([&] { PcaOutlier::fit(X.data(), 10, d, po); }), "got -1"));
  po.k = 0;
  po.auto_variance = 0.0;
  EXPECT_TRUE(has(error_of([&] { PcaOutlier::fit(X.data(), 10, d, po); }), "auto_variance"));
  po.auto_variance = 1.5;
  EXPECT_TRUE(has(error_of([&] { PcaOutlier::fit(X.data(), 10, d, po); }), "auto_variance"));
  PcaOutlier p = PcaOutlier::fit(X.data(), 10, d);
  EXPECT_TRUE(has(error_of([&] { p.score(inf.data(), 10); }), "row 6 "));
  p.components.pop_back();
  EXPECT_TRUE(has(error_of([&] { p.score(X.data(), 1); }), "inconsistent"));
  EXPECT_TRUE(has(error_of([&] { PcaOutlier().score(X.data(), 1); }), "before fit"));
}

}  // namespace
}  // namespace hg::analysis
