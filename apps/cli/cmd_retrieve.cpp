// hourglass retrieve: semantic hashing's retrieval test (seed 003). The run's latent codes of the
// database rows (the training split) and of the query rows (the test split) are made binary, one
// bit per latent unit, and each query's --k nearest database rows by Hamming distance are checked
// for its label: precision@k. Two ways to binarise (--binarize):
//   threshold   a code trained to be binary (train --binary-latent): bit = sigmoid output > 0.5;
//   pca-median  any other code: rotated onto the database codes' principal axes (so no bit is
//               spent on a dead or duplicated unit), then split at the database's medians.
// `auto` takes threshold for a binary-latent run, pca-median otherwise. The baseline in the same
// run: random-projection LSH of the (scaled) inputs with the same number of bits.
#include <chrono>
#include <iostream>

#include "apps/analysis/hashing.h"
#include "apps/analysis/pca.h"
#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/run/run_data.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/format.h"
#include "models/mlp_autoencoder.h"

namespace hg::cli {

namespace {

struct RetrieveOpts {
  run::DataRequest data;
  std::string run, device = "auto", binarize = "auto";
  int64_t db_limit = 0;
  int k = 100, threads = 0;
  uint64_t seed = 0;
  bool json = false;
};

std::string binarize_method(const std::string& flag, models::Autoencoder& model) {
  const auto* mlp = dynamic_cast<const models::MlpAutoencoder*>(&model);
  const bool binary = mlp && mlp->binary_latent();
  if (flag == "auto") return binary ? "threshold" : "pca-median";
  if (flag == "threshold" && !binary)
    throw UsageError(
        "--binarize threshold: the run's code was not trained to be binary (train "
        "--binary-latent); use pca-median");
  return flag;
}

// precision@k of the run's codes binarised by `how` (see the top of the file).
double code_precision(const std::string& how, models::Autoencoder& model, const data::Dataset& db,
                      const data::Dataset& q, int k, Device device) {
  const int bits = static_cast<int>(model.latent_dim());
  std::vector<float> zdb = run::encode_rows(model, db.x, db.n, device);
  std::vector<float> zq = run::encode_rows(model, q.x, q.n, device);
  std::vector<float> cut(bits, 0.5f);
  if (how == "pca-median") {
    const analysis::Pca pca = analysis::Pca::fit(zdb, db.n, bits, bits);
    zdb = pca.transform(zdb.data(), db.n);
    zq = pca.transform(zq.data(), q.n);
    cut = analysis::column_medians(zdb.data(), db.n, bits);
  }
  return analysis::precision_at_k(analysis::binarize(zq.data(), q.n, bits, cut), q.y,
                                  analysis::binarize(zdb.data(), db.n, bits, cut), db.y, k);
}

nlohmann::json run_retrieve(const RetrieveOpts& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const Device device = start_compute(o.threads, o.device);
  run::LoadedRun r = run::load_run(o.run);
  r.model->to(device);
  run::DataRequest dbq = o.data;
  dbq.split = "train", dbq.limit = o.db_limit;
  const data::Dataset db = run::load_for_run(r, dbq), q = run::load_for_run(r, o.data);
  if (!db.has_labels() || !q.has_labels())
    throw UsageError("--data " + o.data.spec +
                     ": retrieval is scored by labels; these data have none");
  if (o.k > db.n)
    throw UsageError("--k " + std::to_string(o.k) + ": more than the " + std::to_string(db.n) +
                     " database rows");
  const int bits = static_cast<int>(r.model->latent_dim());
  const std::string how = binarize_method(o.binarize, *r.model);
  const double p_ae = code_precision(how, *r.model, db, q, o.k, device);
  const int D = static_cast<int>(db.features());
  const std::vector<float> mean = analysis::column_means(db.x.data(), db.n, D);
  const double p_lsh = analysis::precision_at_k(
      analysis::lsh_bits(q.x.data(), q.n, D, bits, mean, o.seed), q.y,
      analysis::lsh_bits(db.x.data(), db.n, D, bits, mean, o.seed), db.y, o.k);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {{"run", o.run},           {"data", o.data.spec},    {"queries", q.n},
          {"database", db.n},       {"bits", bits},           {"k", o.k},
          {"binarize", how},        {"precision_at_k", p_ae}, {"lsh_precision_at_k", p_lsh},
          {"margin", p_ae - p_lsh}, {"seconds", secs},        {"device", device.str()}};
}

}  // namespace

Action add_retrieve(CLI::App& app) {
  auto o = std::make_shared<RetrieveOpts>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data.spec,
                 "Labelled data: training split = database, --split = queries")
      ->required();
  app.add_option("--split", o->data.split, "The query rows: test or train")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels (queries and database)");
  app.add_option("--limit", o->data.limit, "At most N queries")->check(positive_count());
  app.add_option("--db-limit", o->db_limit, "At most N database rows")->check(positive_count());
  app.add_option("--k", o->k, "Neighbours per query")->default_val(100)->check(positive_count());
  app.add_option("--seed", o->seed, "Seed of the LSH baseline's directions")->check(seed_value());
  app.add_option("--binarize", o->binarize,
                 "auto, threshold (a --binary-latent run's sigmoid > 0.5) or pca-median")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "threshold", "pca-median"}));
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    const nlohmann::json j = run_retrieve(*o);
    if (o->json) {
      std::cout << j.dump() << std::endl;
      return 0;
    }
    const double a = j["precision_at_k"], l = j["lsh_precision_at_k"];
    std::cout << "precision@" << o->k << " over " << j["queries"] << " queries, " << j["database"]
              << " database rows, " << j["bits"] << " bits: latent codes " << fmt::fixed(a, 4)
              << ", LSH of the inputs " << fmt::fixed(l, 4) << " ("
              << (a > l ? "the codes win by " : "LSH wins by ") << fmt::fixed(std::abs(a - l), 4)
              << ")\n";
    return 0;
  };
}

}  // namespace hg::cli
