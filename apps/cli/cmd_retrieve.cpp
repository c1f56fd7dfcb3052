// hourglass retrieve: semantic hashing's retrieval test (seed 003). The run's latent codes of the
// database rows (the training split) and of the query rows (the test split) are rotated onto the
// database codes' principal axes and binarised at the database's medians (one bit per latent
// unit); each query's --k nearest database rows by
// Hamming distance are checked for its label: precision@k. The baseline in the same run:
// random-projection LSH of the (scaled) inputs with the same number of bits. Codes are binarised
// after training (the run's bottleneck as trained): a bottleneck trained to be binary
// (--binary-latent, sigmoid with noise) is not built yet.
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

namespace hg::cli {

namespace {

struct RetrieveOpts {
  run::DataRequest data;
  std::string run, device = "auto";
  int64_t db_limit = 0;
  int k = 100, threads = 0;
  uint64_t seed = 0;
  bool json = false;
};

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
  // The codes rotated onto their principal axes (fitted on the database), so that no bit is spent
  // on a dead or duplicated unit, then split at the database's medians.
  const std::vector<float> zdb_raw = run::encode_rows(*r.model, db.x, db.n, device);
  const analysis::Pca pca = analysis::Pca::fit(zdb_raw, db.n, bits, bits);
  const std::vector<float> zdb = pca.transform(zdb_raw.data(), db.n);
  const std::vector<float> zq =
      pca.transform(run::encode_rows(*r.model, q.x, q.n, device).data(), q.n);
  const std::vector<float> med = analysis::column_medians(zdb.data(), db.n, bits);
  const double p_ae =
      analysis::precision_at_k(analysis::binarize(zq.data(), q.n, bits, med), q.y,
                               analysis::binarize(zdb.data(), db.n, bits, med), db.y, o.k);
  const int D = static_cast<int>(db.features());
  const std::vector<float> mean = analysis::column_means(db.x.data(), db.n, D);
  const double p_lsh = analysis::precision_at_k(
      analysis::lsh_bits(q.x.data(), q.n, D, bits, mean, o.seed), q.y,
      analysis::lsh_bits(db.x.data(), db.n, D, bits, mean, o.seed), db.y, o.k);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {{"run", o.run},           {"data", o.data.spec},
          {"queries", q.n},         {"database", db.n},
          {"bits", bits},           {"k", o.k},
          {"precision_at_k", p_ae}, {"lsh_precision_at_k", p_lsh},
          {"margin", p_ae - p_lsh}, {"seconds", secs},
          {"device", device.str()}};
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
