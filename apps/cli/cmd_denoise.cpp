// hourglass denoise: corrupt images with a chosen noise, reconstruct the corrupted copies with a
// trained run, and measure how much closer to the clean images the reconstructions are than the
// corrupted inputs (mean PSNR and SSIM per image, in pixel units).
#include <cmath>
#include <iostream>
#include <limits>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/imaging/quality.h"
#include "apps/report/image_grid.h"
#include "apps/run/run_data.h"
#include "engine/autograd/autograd.h"
#include "engine/ops/row_ops.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::cli {
namespace {

struct Quality {
  double psnr = 0, ssim = 0;
  bool has_ssim = false;
};

// Mean PSNR and mean SSIM of `n` images of shape [c, h, w] against the clean ones. SSIM of a
// multi-channel image is the mean over its channels; images smaller than the SSIM window have
// no SSIM.
Quality measure(const std::vector<float>& img, const std::vector<float>& clean, int64_t n,
                const run::ImageShape& s) {
  const int64_t D = s.c * s.h * s.w;
  Quality q;
  q.has_ssim = s.h >= 11 && s.w >= 11;
  for (int64_t i = 0; i < n; ++i)
    q.psnr += imaging::psnr(img.data() + i * D, clean.data() + i * D, D);
  q.psnr /= static_cast<double>(n);
  if (q.has_ssim) q.ssim = imaging::mean_ssim(img.data(), clean.data(), n, s.c, s.h, s.w);
  return q;
}

nlohmann::json number_or_null(double v, bool present = true) {
  if (!present || !std::isfinite(v)) return nullptr;
  return v;
}

struct DenoiseOptions {
  run::DataRequest data;
  std::string run, noise, out, device = "auto";
  int64_t limit = 1000, n = 8;
  uint64_t seed = 0;
  int threads = 0;
  bool force = false, json = false;
};

// Corrupt the scaled inputs, as training does. Gaussian noise is clipped back to the pixel
// range, except for standardised inputs, whose range is not [0, 1].
Tensor corrupt_inputs(const run::LoadedRun& r, const data::Dataset& d, ops::Noise kind, float level,
                      uint64_t seed, Device device) {
  const bool clip = kind == ops::Noise::Gaussian && r.scaler.kind != data::ScalerKind::Standard;
  return ops::corrupt(Tensor::from_vector({d.n, d.features()}, d.x).to(device), kind, level, seed,
                      clip);
}

// The reconstructions in data units, 1,024 rows at a time so that only one chunk's activations
// live on the device.
std::vector<float> reconstruct_rows(const run::LoadedRun& r, const Tensor& noisy, int64_t n,
                                    int64_t D) {
  std::vector<float> den;
  den.reserve(static_cast<size_t>(n * D));
  for (int64_t start = 0; start < n; start += 1024) {
    interrupt::check("denoising");
    const int64_t rows = std::min<int64_t>(1024, n - start);
    std::vector<float> part =
        r.model->to_data(r.model->forward(noisy.slice_rows(start, rows)), r.loss)
            .to(Device::cpu())
            .to_vector();
    den.insert(den.end(), part.begin(), part.end());
  }
  return den;
}

// Three rows: noisy, denoised, clean (multi-channel images show their first channel).
void write_denoise_grid(const DenoiseOptions& o, const run::ImageShape& shape, int64_t n, int64_t D,
                        const std::vector<float>& noisy_px, const std::vector<float>& den,
                        const std::vector<float>& clean) {
  const int64_t cols = std::min(o.n, n);
  std::vector<const float*> cells;
  for (const std::vector<float>* v : {&noisy_px, &den, &clean})
    for (int64_t i = 0; i < cols; ++i) cells.push_back(v->data() + i * D);
  report::write_image_grid_png(cells, static_cast<int>(shape.h), static_cast<int>(shape.w),
                               static_cast<int>(cols), 3, o.out);
}

void print_denoise_result(const DenoiseOptions& o, int64_t n, const Quality& qn, const Quality& qd,
                          Device device) {
  nlohmann::json j{{"n", n},
                   {"noise", o.noise},
                   {"psnr_noisy", number_or_null(qn.psnr)},
                   {"psnr_denoised", number_or_null(qd.psnr)},
                   {"ssim_noisy", number_or_null(qn.ssim, qn.has_ssim)},
                   {"ssim_denoised", number_or_null(qd.ssim, qd.has_ssim)},
                   {"run", o.run},
                   {"device", device.str()}};
  if (!o.out.empty()) j["out"] = o.out;
  if (o.json) {
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << "denoised " << n << " images corrupted by " << o.noise << ": PSNR " << qn.psnr
              << " dB noisy -> " << qd.psnr << " dB denoised";
    if (qn.has_ssim)
      std::cout << ", SSIM " << qn.ssim << " -> " << qd.ssim;
    else
      std::cout << " (no SSIM: images smaller than its 11 x 11 window)";
    std::cout << "\n";
    if (!o.out.empty()) std::cout << "wrote " << o.out << " (rows: noisy, denoised, clean)\n";
  }
}

int run_denoise(DenoiseOptions& o) {
  float level = 0;
  const ops::Noise kind = ops::parse_noise(o.noise, &level);
  if (!(level > 0))  // a zero level leaves the input clean: its PSNR would be infinite
    throw UsageError("--noise " + o.noise + ": the level must be > 0 to have something to denoise");
  if (o.n < 1 || o.n > 64) throw UsageError("--n must be between 1 and 64");
  if (!o.out.empty()) run::check_output_file(o.out, o.force, "--out");
  const Device device = start_compute(o.threads, o.device);
  run::LoadedRun r = run::load_run(o.run);
  const run::ImageShape shape = run::image_shape(r, "denoise");
  o.data.limit = o.limit;
  data::Dataset d = run::load_for_run(r, o.data);
  r.model->to(device);
  const int64_t D = d.features(), n = d.n;
  if (n < 1) throw Error("--data " + o.data.spec + ": no images selected");

  autograd::NoGradGuard no_grad;
  Tensor noisy = corrupt_inputs(r, d, kind, level, o.seed, device);
  std::vector<float> den = reconstruct_rows(r, noisy, n, D);
  std::vector<float> noisy_px = noisy.to(Device::cpu()).to_vector(), clean = d.x;
  r.scaler.inverse_transform(noisy_px.data(), n, D);  // pixel units for the measures
  r.scaler.inverse_transform(den.data(), n, D);
  r.scaler.inverse_transform(clean.data(), n, D);

  const Quality qn = measure(noisy_px, clean, n, shape), qd = measure(den, clean, n, shape);

  if (!o.out.empty()) write_denoise_grid(o, shape, n, D, noisy_px, den, clean);
  print_denoise_result(o, n, qn, qd, device);
  return 0;
}

}  // namespace

Action add_denoise(CLI::App& app) {
  auto o = std::make_shared<DenoiseOptions>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--data", o->data.spec, "Data spec (see hourglass train --help)")->required();
  app.add_option("--noise", o->noise, "gaussian:SIGMA, saltpepper:P or mask:P")->required();
  app.add_option("--split", o->data.split, "train or test (image data sets)")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels, e.g. 9 or 0-8");
  app.add_option("--limit", o->limit, "Use the first N images (0: all)")
      ->default_val(1000)
      ->check(seed_value());
  app.add_option("--seed", o->seed, "Seed of the noise")->default_val(0)->check(seed_value());
  app.add_option("--out", o->out, "PNG file: noisy, denoised and clean rows of --n images");
  app.add_option("--n", o->n, "Images per row of the --out picture")->default_val(8);
  app.add_flag("--force", o->force, "Overwrite --out if it exists");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() { return run_denoise(*o); };
}

}  // namespace hg::cli
