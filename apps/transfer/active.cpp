#include "apps/transfer/active.h"

#include <algorithm>
#include <numeric>
#include <ostream>
#include <set>

#include "apps/analysis/kmeans.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"
#include "engine/util/rng.h"

namespace hg::transfer {

Strategy parse_strategy(const std::string& name, const std::string& flag) {
  if (name == "random") return Strategy::Random;
  if (name == "recon") return Strategy::Recon;
  if (name == "uncertainty") return Strategy::Uncertainty;
  if (name == "hybrid") return Strategy::Hybrid;
  if (name == "diverse") return Strategy::Diverse;
  throw UsageError(flag + ": unknown strategy '" + name +
                   "' (expected random, recon, uncertainty, hybrid or diverse)");
}

std::string strategy_name(Strategy s) {
  switch (s) {
    case Strategy::Random: return "random";
    case Strategy::Recon: return "recon";
    case Strategy::Uncertainty: return "uncertainty";
    case Strategy::Hybrid: return "hybrid";
    case Strategy::Diverse: return "diverse";
  }
  return "?";
}

namespace {

// The pool indices sorted by `key` descending (ties by index, so the order is reproducible).
std::vector<int64_t> ranked(const std::vector<int64_t>& rows, const std::vector<double>& key) {
  std::vector<int64_t> r = rows;
  std::stable_sort(r.begin(), r.end(), [&](int64_t a, int64_t b) {
    return key[static_cast<size_t>(a)] > key[static_cast<size_t>(b)];
  });
  return r;
}

// Margin between the two most likely classes of each row of p [n, C]: small = unsure.
std::vector<double> margins(const std::vector<float>& p, int64_t n, int64_t C) {
  std::vector<double> m(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float* row = &p[static_cast<size_t>(i * C)];
    float a = -1, b = -1;
    for (int64_t c = 0; c < C; ++c) {
      if (row[c] > a) {
        b = a;
        a = row[c];
      } else if (row[c] > b) {
        b = row[c];
      }
    }
    m[static_cast<size_t>(i)] = a - std::max(b, 0.0f);
  }
  return m;
}

std::vector<double> doubts(const std::vector<double>& margin) {
  std::vector<double> d(margin.size());
  for (size_t i = 0; i < margin.size(); ++i) d[i] = -margin[i];
  return d;
}

// The first q distinct rows taking turns from a and b.
std::vector<int64_t> alternate(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                               int64_t q) {
  std::vector<int64_t> mixed;
  std::set<int64_t> taken;
  for (size_t i = 0; mixed.size() < static_cast<size_t>(q) && i < a.size(); ++i)
    for (int64_t r : {a[i], b[i]})
      if (mixed.size() < static_cast<size_t>(q) && taken.insert(r).second) mixed.push_back(r);
  return mixed;
}

// How many of the least sure rows diverse clusters: 10 q, or the share q / (labelled + q) of the
// unlabelled rows when that is more (active.h).
int64_t diverse_candidates(int64_t unlabelled, int64_t q, int64_t labelled) {
  const int64_t young =
      static_cast<int64_t>(static_cast<double>(unlabelled) * static_cast<double>(q) /
                           static_cast<double>(std::max<int64_t>(labelled, 0) + q));
  return std::min(unlabelled, std::max(10 * q, young));
}

// `by_doubt` (most doubtful first) made diverse: its first diverse_candidates rows clustered into
// q groups on their codes, the row nearest each centre, in doubt order; then the rest of by_doubt.
std::vector<int64_t> diverse(const std::vector<int64_t>& by_doubt, int64_t q,
                             const PoolSignals& sig, uint64_t seed) {
  const int64_t m = diverse_candidates(static_cast<int64_t>(by_doubt.size()), q, sig.labelled);
  if (m <= q) return by_doubt;
  const int64_t d = sig.code_dim;
  HG_CHECK(d > 0 && sig.codes.size() % static_cast<size_t>(d) == 0, "diverse: no latent codes");
  std::vector<float> x(static_cast<size_t>(m * d));
  for (int64_t i = 0; i < m; ++i)
    std::copy_n(&sig.codes[static_cast<size_t>(by_doubt[i] * d)], d, &x[i * d]);
  const analysis::KMeansResult km =
      analysis::kmeans(x.data(), m, d, {static_cast<int>(q), 1, 100, 1e-4, seed});
  std::vector<int64_t> nearest(static_cast<size_t>(q), -1);  // candidate index per cluster
  std::vector<double> best(static_cast<size_t>(q), 0.0);
  for (int64_t i = 0; i < m; ++i) {
    const int32_t c = km.labels[static_cast<size_t>(i)];
    double dist = 0;
    for (int64_t j = 0; j < d; ++j) {
      const double t = double(x[i * d + j]) - km.centers[static_cast<size_t>(c * d + j)];
      dist += t * t;
    }
    if (nearest[c] < 0 || dist < best[c]) nearest[c] = i, best[c] = dist;
  }
  std::vector<char> chosen(static_cast<size_t>(m), 0);
  for (int64_t i : nearest)
    if (i >= 0) chosen[static_cast<size_t>(i)] = 1;
  std::vector<int64_t> out, rest;
  for (int64_t i = 0; i < m; ++i) (chosen[i] ? out : rest).push_back(by_doubt[i]);
  out.insert(out.end(), rest.begin(), rest.end());
  out.insert(out.end(), by_doubt.begin() + m, by_doubt.end());
  return out;
}

std::vector<int64_t> initial_rows(int64_t n, int64_t k, uint64_t seed) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  Rng rng(seed ^ 0x61637469766eULL);
  rng.shuffle(idx);
  idx.resize(static_cast<size_t>(k));
  return idx;
}

}  // namespace

std::vector<int64_t> choose_queries(Strategy s, const std::vector<int64_t>& unlabelled, int64_t q,
                                    const PoolSignals& signals, uint64_t seed) {
  q = std::min<int64_t>(q, static_cast<int64_t>(unlabelled.size()));
  std::vector<int64_t> order;
  if (s == Strategy::Random) {
    order = unlabelled;
    Rng rng(seed ^ 0x72616e646f6dULL);
    rng.shuffle(order);
  } else if (s == Strategy::Recon) {
    order = ranked(unlabelled, signals.recon);
  } else {
    order = ranked(unlabelled, doubts(signals.margin));
    if (s == Strategy::Hybrid) order = alternate(order, ranked(unlabelled, signals.recon), q);
    if (s == Strategy::Diverse) order = diverse(order, q, signals, seed);
  }
  order.resize(static_cast<size_t>(q));
  return order;
}

Curve run_strategy(const run::LoadedRun& run, const data::Dataset& pool, const PoolSignals& fixed,
                   const data::Dataset& test, Strategy s, const ActiveOptions& o,
                   std::ostream& log) {
  const int64_t C = *std::max_element(pool.y.begin(), pool.y.end()) + 1;
  std::vector<int64_t> labelled = initial_rows(pool.n, std::min(o.initial, pool.n), o.fit.seed);
  std::vector<char> is_labelled(static_cast<size_t>(pool.n), 0);
  for (int64_t r : labelled) is_labelled[static_cast<size_t>(r)] = 1;
  Curve c;
  c.strategy = s;
  PoolSignals sig = fixed;  // copied once; each round sets its labelled count and margins
  for (int64_t round = 0; round < o.rounds; ++round) {
    interrupt::check("active learning (" + strategy_name(s) + ")");
    std::vector<int64_t> sorted = labelled;
    std::sort(sorted.begin(), sorted.end());
    const Fitted f = fit_classifier(run, data::select_rows(pool, sorted), C, o.fit, log);
    c.labels.push_back(static_cast<int64_t>(labelled.size()));
    c.accuracy.push_back(accuracy(*f.clf, test));
    log << "active: " << strategy_name(s) << " round " << round + 1 << "/" << o.rounds << ": "
        << labelled.size() << " labels, test accuracy " << c.accuracy.back() << "\n";
    if (round + 1 == o.rounds || static_cast<int64_t>(labelled.size()) >= pool.n) break;
    std::vector<int64_t> unlabelled;
    for (int64_t i = 0; i < pool.n; ++i)
      if (!is_labelled[static_cast<size_t>(i)]) unlabelled.push_back(i);
    sig.labelled = static_cast<int64_t>(labelled.size());
    if (s == Strategy::Uncertainty || s == Strategy::Hybrid || s == Strategy::Diverse)
      sig.margin = margins(probabilities(*f.clf, pool.x, pool.n, pool.features()), pool.n, C);
    for (int64_t r :
         choose_queries(s, unlabelled, o.query, sig, o.fit.seed + static_cast<uint64_t>(round))) {
      is_labelled[static_cast<size_t>(r)] = 1;
      labelled.push_back(r);
    }
  }
  return c;
}

}  // namespace hg::transfer
