// hourglass reconstruct: a picture of inputs (top row of each pair) above their reconstructions.
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/report/image_grid.h"
#include "apps/run/run_data.h"
#include "engine/autograd/autograd.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "models/losses.h"

namespace hg::cli {

Action add_reconstruct(CLI::App& app) {
  struct Opts {
    run::DataRequest data;
    std::string run, out, device = "auto";
    int64_t n = 16, cols = 8, zoom = 3;
    int threads = 0;
    bool force = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data.spec, "Data spec (see hourglass train --help)")->required();
  app.add_option("--split", o->data.split, "train or test (image data sets)")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels, e.g. 9 or 0-8");
  app.add_option("--n", o->n, "Images to show")->default_val(16)->check(positive_count());
  app.add_option("--cols", o->cols, "Images per row")->default_val(8)->check(positive_count());
  app.add_option("--zoom", o->zoom, "Pixel magnification")
      ->default_val(3)
      ->check(whole_number_in(1, 32));
  app.add_option("--out", o->out, "PNG file to write")->required();
  app.add_flag("--force", o->force, "Overwrite --out if it exists");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    if (o->n < 1 || o->n > 1024) throw UsageError("--n must be between 1 and 1024");
    if (o->cols < 1) throw UsageError("--cols must be at least 1");
    if (o->zoom < 1 || o->zoom > 16) throw UsageError("--zoom must be between 1 and 16");
    run::check_output_file(o->out, o->force, "--out");
    const Device device = start_compute(o->threads, o->device);
    run::LoadedRun r = run::load_run(o->run);
    const run::ImageShape shape = run::image_shape(r, "reconstruct");
    o->data.limit = o->n;
    data::Dataset d = run::load_for_run(r, o->data);
    r.model->to(device);
    const int64_t D = d.features(), n = d.n;

    autograd::NoGradGuard no_grad;
    Tensor x = Tensor::from_vector({n, D}, d.x).to(device);
    std::vector<float> rec =
        r.model->to_data(r.model->forward(x), r.loss).to(Device::cpu()).to_vector();
    std::vector<float> orig = d.x;
    double se = 0;
    for (size_t i = 0; i < rec.size(); ++i)
      se += (double(rec[i]) - orig[i]) * (double(rec[i]) - orig[i]);
    r.scaler.inverse_transform(orig.data(), n, D);  // back to pixel units for the picture
    r.scaler.inverse_transform(rec.data(), n, D);

    // Pairs of rows: `cols` originals, then their reconstructions. Multi-channel images show
    // their first channel.
    std::vector<const float*> cells;
    const int64_t cols = std::min(o->cols, n);
    for (int64_t row0 = 0; row0 < n; row0 += cols) {
      for (int64_t pass = 0; pass < 2; ++pass)
        for (int64_t i = row0; i < row0 + cols; ++i)
          cells.push_back(i < n ? (pass ? rec.data() : orig.data()) + i * D : nullptr);
    }
    // Blank cells for a short last row: a grey image.
    std::vector<float> blank(static_cast<size_t>(shape.h * shape.w), 0.5f);
    for (auto& c : cells)
      if (!c) c = blank.data();
    report::write_image_grid_png(cells, static_cast<int>(shape.h), static_cast<int>(shape.w),
                                 static_cast<int>(cols), static_cast<int>(o->zoom), o->out);
    const double mse = se / static_cast<double>(n * D);
    nlohmann::json j{
        {"out", o->out}, {"n", n}, {"mse", mse}, {"run", o->run}, {"device", device.str()}};
    if (o->json)
      std::cout << j.dump() << std::endl;
    else
      std::cout << "wrote " << o->out << " (" << n << " inputs above their reconstructions, MSE "
                << mse << ")\n";
    return 0;
  };
}

}  // namespace hg::cli
