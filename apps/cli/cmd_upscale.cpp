// hourglass upscale: super-resolution with a run trained on "noise": "downsample:F" (models/
// corruption.h). Each test image is averaged down F x F, then brought back to full size three
// ways, nearest and bicubic interpolation (the baselines) and the model (which sees the nearest
// upsampling, as in training); each is measured against the original by PSNR and SSIM.
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/imaging/quality.h"
#include "apps/imaging/resample.h"
#include "apps/report/image_grid.h"
#include "apps/run/run_data.h"
#include "engine/autograd/autograd.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"
#include "models/corruption.h"

namespace hg::cli {
namespace {

struct UpscaleOptions {
  run::DataRequest data;
  std::string run, out, device = "auto";
  int64_t limit = 1000, n = 8;
  int threads = 0;
  bool force = false, json = false;
};

struct Measured {
  std::string name;
  std::vector<float> images;  // [n, D] pixels
  double psnr = 0, ssim = 0;
};

void measure(Measured& m, const std::vector<float>& clean, int64_t n, const run::ImageShape& s) {
  const int64_t D = s.c * s.h * s.w;
  m.psnr = 0;
  for (int64_t i = 0; i < n; ++i)
    m.psnr += imaging::psnr(m.images.data() + i * D, clean.data() + i * D, D);
  m.psnr /= static_cast<double>(n);
  m.ssim = imaging::mean_ssim(m.images.data(), clean.data(), n, s.c, s.h, s.w);
}

// The model's output for the scaled rows, through the run's own downsampling (as in training),
// in pixel units.
std::vector<float> model_upscale(const run::LoadedRun& r, const models::NoiseConfig& noise,
                                 const data::Dataset& d, Device device) {
  autograd::NoGradGuard no_grad;
  const int64_t D = d.features();
  std::vector<float> out;
  out.reserve(d.x.size());
  for (int64_t start = 0; start < d.n; start += 1024) {
    interrupt::check("upscaling");
    const int64_t rows = std::min<int64_t>(1024, d.n - start);
    std::vector<float> part(d.x.begin() + start * D, d.x.begin() + (start + rows) * D);
    const Tensor x = Tensor::from_vector({rows, D}, part).to(device);
    std::vector<float> y =
        r.model->to_data(r.model->forward(models::apply_noise(noise, x, 0)), r.loss)
            .to(Device::cpu())
            .to_vector();
    out.insert(out.end(), y.begin(), y.end());
  }
  r.scaler.inverse_transform(out.data(), d.n, D);
  return out;
}

void write_grid(const UpscaleOptions& o, const run::ImageShape& s, int64_t n,
                const std::vector<const Measured*>& rows, const std::vector<float>& clean) {
  const int64_t cols = std::min(o.n, n), D = s.c * s.h * s.w;
  std::vector<const float*> cells;
  for (const Measured* m : rows)
    for (int64_t i = 0; i < cols; ++i) cells.push_back(m->images.data() + i * D);
  for (int64_t i = 0; i < cols; ++i) cells.push_back(clean.data() + i * D);
  report::write_image_grid_png(cells, static_cast<int>(s.h), static_cast<int>(s.w),
                               static_cast<int>(cols), static_cast<int>(rows.size() + 1), o.out);
}

void print_result(const UpscaleOptions& o, int64_t n, int64_t f, const run::ImageShape& s,
                  const std::vector<const Measured*>& all, Device device) {
  const Measured &bicubic = *all[1], &model = *all[2];
  nlohmann::json methods = nlohmann::json::object();
  for (const Measured* m : all) methods[m->name] = {{"psnr", m->psnr}, {"ssim", m->ssim}};
  nlohmann::json j{{"n", n},
                   {"factor", f},
                   {"low_res", {s.h / f, s.w / f}},
                   {"methods", methods},
                   {"gain_db_over_bicubic", model.psnr - bicubic.psnr},
                   {"run", o.run},
                   {"device", device.str()}};
  if (!o.out.empty()) j["out"] = o.out;
  if (o.json) {
    std::cout << j.dump() << std::endl;
    return;
  }
  std::cout << "upscaled " << n << " images " << s.h / f << "x" << s.w / f << " -> " << s.h << "x"
            << s.w << "\n  method     PSNR dB   SSIM\n";
  for (const Measured* m : all)
    std::cout << "  " << m->name << std::string(11 - m->name.size(), ' ') << m->psnr << "   "
              << m->ssim << "\n";
  const double gain = model.psnr - bicubic.psnr;
  std::cout << (gain > 0 ? "the model beats bicubic by " : "bicubic beats the model by ")
            << std::abs(gain) << " dB\n";
  if (!o.out.empty())
    std::cout << "wrote " << o.out << " (rows: nearest, bicubic, model, original)\n";
}

int run_upscale(UpscaleOptions& o) {
  if (o.n < 1 || o.n > 64) throw UsageError("--n must be between 1 and 64");
  if (!o.out.empty()) run::check_output_file(o.out, o.force, "--out");
  const Device device = start_compute(o.threads, o.device);
  run::LoadedRun r = run::load_run(o.run);
  const models::NoiseConfig noise = models::noise_config(r.spec.json, o.run + "/config.json");
  if (!noise.deterministic())
    throw Error("--run " + o.run +
                ": not a super-resolution run (its config has no \"noise\": \"downsample:F\"; "
                "train models/configs/superres_conv28.json)");
  const run::ImageShape s = run::image_shape(r, "upscale");
  o.data.limit = o.limit;
  const data::Dataset d = run::load_for_run(r, o.data);
  if (d.n < 1) throw Error("--data " + o.data.spec + ": no images selected");
  r.model->to(device);
  const int64_t f = noise.downsample;
  std::vector<float> clean = d.x;
  r.scaler.inverse_transform(clean.data(), d.n, d.features());
  const std::vector<float> low = imaging::block_average(clean.data(), d.n, s.c, s.h, s.w, f);
  Measured nearest{"nearest", imaging::upsample_nearest(low.data(), d.n, s.c, s.h / f, s.w / f, f)};
  Measured bicubic{"bicubic", imaging::upsample_bicubic(low.data(), d.n, s.c, s.h / f, s.w / f, f)};
  Measured model{"model", model_upscale(r, noise, d, device)};
  for (Measured* m : {&nearest, &bicubic, &model}) measure(*m, clean, d.n, s);
  const std::vector<const Measured*> all{&nearest, &bicubic, &model};
  if (!o.out.empty()) write_grid(o, s, d.n, all, clean);
  print_result(o, d.n, f, s, all, device);
  return 0;
}

}  // namespace

Action add_upscale(CLI::App& app) {
  auto o = std::make_shared<UpscaleOptions>();
  app.add_option("--run", o->run, "Run folder trained with \"noise\": \"downsample:F\"")
      ->required();
  app.add_option("--data", o->data.spec, "Data spec (see hourglass train --help)")->required();
  app.add_option("--split", o->data.split, "train or test (image data sets)")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels, e.g. 9 or 0-8");
  app.add_option("--limit", o->limit, "Use the first N images (0: all)")
      ->default_val(1000)
      ->check(seed_value());
  app.add_option("--out", o->out, "PNG file: nearest, bicubic, model and original rows");
  app.add_option("--n", o->n, "Images per row of the --out picture")->default_val(8);
  app.add_flag("--force", o->force, "Overwrite --out if it exists");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() { return run_upscale(*o); };
}

}  // namespace hg::cli
