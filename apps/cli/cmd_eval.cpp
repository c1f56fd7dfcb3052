// hourglass eval: reconstruction loss of a trained run on a data set.
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/run/run_folder.h"
#include "engine/autograd/autograd.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/data/spec.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "kernels/cpu/parallel.h"
#include "models/losses.h"

namespace hg::cli {

Action add_eval(CLI::App& app) {
  struct Opts {
    std::string run, data, split = "test", classes, device = "auto";
    int64_t limit = 0;
    int threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data, "Data spec (see hourglass train --help)")->required();
  app.add_option("--split", o->split, "train or test (image data sets)")->default_val("test");
  app.add_option("--classes", o->classes, "Only these labels, e.g. 9 or 0-8");
  app.add_option("--limit", o->limit, "Use the first N samples");
  app.add_option("--device", o->device, "auto, cpu or cuda")->default_val("auto");
  app.add_option("--threads", o->threads, "CPU threads (0: all cores)");
  app.add_flag("--json", o->json, "Print a JSON summary as the last line");
  return [o]() {
    if (o->split != "train" && o->split != "test")
      throw UsageError("--split must be train or test, got '" + o->split + "'");
    kernels::cpu::set_num_threads(o->threads);
    const Device device = resolve_device(o->device, std::cerr);
    run::LoadedRun r = run::load_run(o->run);
    data::Dataset d = data::load(data::parse_spec(o->data),
                                 o->split == "train" ? data::Split::Train : data::Split::Test);
    if (!o->classes.empty())
      d = data::filter_classes(d, data::parse_class_list(o->classes, "--classes"), "--classes");
    if (o->limit < 0) throw UsageError("--limit must be positive");
    if (o->limit > 0) d = data::take_first(d, o->limit);
    if (d.features() != r.model->input_dim())
      throw Error("--data " + o->data + ": " + std::to_string(d.features()) +
                  " features, but the model in " + o->run + " expects " +
                  std::to_string(r.model->input_dim()));
    r.scaler.transform(d.x.data(), d.n, d.features());
    r.model->to(device);

    autograd::NoGradGuard no_grad;
    data::Loader loader(d, 1024, false, 0);
    loader.start_epoch();
    data::Batch b;
    double loss_sum = 0, mse_sum = 0;
    while (loader.next(b)) {
      Tensor x = Tensor::from_vector({b.rows, d.features()},
                                     std::vector<float>(b.x.begin(), b.x.begin() + b.rows * d.features()))
                     .to(device);
      Tensor recon = r.model->forward(x);
      loss_sum += models::reconstruction_loss(r.loss, recon, x, r.model->output_act()).item() * b.rows;
      // MSE in the data's units: logits (a linear output trained with BCE) become probabilities.
      const bool logits = models::recon_kind(r.loss, r.model->output_act()) == ops::ReconKind::BCELogits;
      mse_sum += ops::mse_loss(logits ? ops::sigmoid(recon) : recon, x).item() * b.rows;
    }
    const double n = static_cast<double>(d.n);
    nlohmann::json j{{"loss", loss_sum / n}, {"loss_kind", r.loss}, {"mse", mse_sum / n},
                     {"n", d.n}, {"run", o->run}, {"data", o->data}, {"split", o->split},
                     {"device", device.str()}};
    if (o->json)
      std::cout << j.dump() << std::endl;
    else
      std::cout << "loss (" << r.loss << ") " << loss_sum / n << " on " << d.n << " samples of "
                << o->data << "\n";
    return 0;
  };
}

}  // namespace hg::cli
