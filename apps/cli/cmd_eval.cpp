// hourglass eval: reconstruction loss of a trained run on a data set; for a VAE also the
// negative ELBO and, with --nll-samples, the importance-weighted negative log-likelihood.
#include <chrono>
#include <cmath>
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/run/run_data.h"
#include "apps/run/run_folder.h"
#include "engine/autograd/autograd.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/data/spec.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"
#include "models/losses.h"
#include "models/vae.h"

namespace hg::cli {

namespace {

struct LossSums {
  double loss = 0, mse = 0, objective = 0;  // each summed over the rows
};

// The reconstruction loss, the MSE in the data's units and (a VAE) the negative ELBO of every row
// of `all`, in chunks of 1024 rows.
LossSums loss_sums(const run::LoadedRun& r, const Tensor& all, bool vae) {
  LossSums s;
  const bool logits =
      models::recon_kind(r.loss, r.model->output_act()) == ops::ReconKind::BCELogits;
  const int64_t n = all.shape()[0];
  for (int64_t start = 0; start < n; start += 1024) {
    interrupt::check("evaluating");
    const int64_t rows = std::min<int64_t>(1024, n - start);
    Tensor x = all.slice_rows(start, rows);
    Tensor recon = r.model->forward(x);
    s.loss += models::reconstruction_loss(r.loss, recon, x, r.model->output_act()).item() * rows;
    // MSE in the data's units: logits (a linear output trained with BCE) become probabilities.
    s.mse += ops::mse_loss(logits ? ops::sigmoid(recon) : recon, x).item() * rows;
    if (vae) s.objective += r.model->objective(x, x, r.loss).total.item() * rows;
  }
  return s;
}

}  // namespace

Action add_eval(CLI::App& app) {
  struct Opts {
    run::DataRequest data;
    std::string run, device = "auto";
    int64_t nll_samples = 0;
    int threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data.spec, "Data spec (see hourglass train --help)")->required();
  app.add_option("--split", o->data.split, "train or test (image data sets)")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels, e.g. 9 or 0-8");
  app.add_option("--limit", o->data.limit, "Use the first N samples")->check(positive_count());
  app.add_option("--nll-samples", o->nll_samples,
                 "VAE only: importance-weighted estimate of the negative log-likelihood with K "
                 "samples per input (nats)");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    if (o->nll_samples < 0) throw UsageError("--nll-samples must be at least 1");
    const auto t_start = std::chrono::steady_clock::now();
    const Device device = start_compute(o->threads, o->device);
    run::LoadedRun r = run::load_run(o->run);
    auto* vae = dynamic_cast<models::Vae*>(r.model.get());
    if (o->nll_samples > 0 && !vae)
      throw UsageError("--nll-samples: the model in " + o->run + " is a '" + r.spec.type +
                       "', not a vae (only a VAE defines a likelihood)");
    data::Dataset d = run::load_for_run(r, o->data);
    r.model->to(device);

    autograd::NoGradGuard no_grad;
    Tensor all = Tensor::from_vector({d.n, d.features()}, d.x).to(device);
    const auto [loss_sum, mse_sum, objective_sum] = loss_sums(r, all, vae != nullptr);
    const double n = static_cast<double>(d.n);
    if (!std::isfinite(loss_sum) || !std::isfinite(mse_sum) || !std::isfinite(objective_sum))
      throw Error("eval: the loss of " + o->run + " on --data " + o->data.spec +
                  " is not finite (inputs far outside the range the model was trained on?)");
    nlohmann::json j{{"loss", loss_sum / n},   {"loss_kind", r.loss},
                     {"mse", mse_sum / n},     {"n", d.n},
                     {"run", o->run},          {"data", o->data.spec},
                     {"split", o->data.split}, {"device", device.str()}};
    if (vae) j["neg_elbo"] = objective_sum / n;  // one posterior sample per input
    if (o->nll_samples > 0) {
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<double> logp = models::iw_log_likelihood(*vae, all, o->nll_samples, r.loss);
      double s = 0;
      for (double v : logp) s -= v;
      j["nll"] = s / n;
      j["nll_samples"] = o->nll_samples;
      j["nll_seconds"] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    j["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    if (o->json) {
      std::cout << j.dump() << std::endl;
    } else {
      std::cout << "loss (" << r.loss << ") " << loss_sum / n << " on " << d.n << " samples of "
                << o->data.spec << "\n";
      if (vae) std::cout << "negative ELBO " << objective_sum / n << " nats\n";
      if (o->nll_samples > 0)
        std::cout << "NLL " << j["nll"].get<double>() << " nats (importance-weighted, "
                  << o->nll_samples << " samples)\n";
    }
    return 0;
  };
}

}  // namespace hg::cli
