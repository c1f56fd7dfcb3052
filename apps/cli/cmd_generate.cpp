// hourglass generate: new images from a VAE's prior, or a walk through latent space between two
// inputs (--interpolate, any autoencoder).
#include <iostream>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/report/image_grid.h"
#include "apps/run/run_data.h"
#include "engine/autograd/autograd.h"
#include "engine/tensor/device_select.h"
#include "engine/util/error.h"
#include "models/vae.h"

namespace hg::cli {

namespace {

std::pair<int64_t, int64_t> parse_pair(const std::string& s) {
  const size_t comma = s.find(',');
  try {
    if (comma == std::string::npos) throw std::invalid_argument("no comma");
    size_t used_a = 0, used_b = 0;
    const std::string a = s.substr(0, comma), b = s.substr(comma + 1);
    const long long ia = std::stoll(a, &used_a), ib = std::stoll(b, &used_b);
    if (used_a != a.size() || used_b != b.size() || ia < 0 || ib < 0)
      throw std::invalid_argument("bad");
    return {ia, ib};
  } catch (const std::exception&) {
    throw UsageError("--interpolate expects two image indices A,B (e.g. 0,7), got '" + s + "'");
  }
}

struct GenerateOptions {
  run::DataRequest data;
  std::string run, out, interpolate, device = "auto";
  int64_t n = 64, cols = 8, zoom = 3, steps = 10;
  uint64_t seed = 0;
  int threads = 0;
  bool force = false, json = false;
};

// --interpolate A,B: the codes of --steps evenly spaced points, ends included, on the straight
// line between the codes of images A and B of --data.
Tensor latent_walk(const run::LoadedRun& r, GenerateOptions& o, std::pair<int64_t, int64_t> ab,
                   Device device) {
  const int64_t k = r.model->latent_dim(), D = r.model->input_dim();
  o.data.limit = std::max(ab.first, ab.second) + 1;
  data::Dataset d = run::load_for_run(r, o.data);
  if (d.n < o.data.limit)
    throw UsageError("--interpolate " + o.interpolate + ": --data has only " + std::to_string(d.n) +
                     " images");
  Tensor x = Tensor::from_vector({d.n, D}, d.x).to(device);
  std::vector<float> za = r.model->encode(x.slice_rows(ab.first, 1)).to(Device::cpu()).to_vector();
  std::vector<float> zb = r.model->encode(x.slice_rows(ab.second, 1)).to(Device::cpu()).to_vector();
  const int64_t rows = o.steps;
  std::vector<float> path(static_cast<size_t>(rows * k));
  for (int64_t s = 0; s < rows; ++s) {
    const double t = static_cast<double>(s) / static_cast<double>(rows - 1);
    for (int64_t j = 0; j < k; ++j)
      path[static_cast<size_t>(s * k + j)] = static_cast<float>((1 - t) * za[j] + t * zb[j]);
  }
  return Tensor::from_vector({rows, k}, path).to(device);
}

int run_generate(GenerateOptions& o) {
  const bool walk = !o.interpolate.empty();
  if (!walk && (o.n < 1 || o.n > 4096)) throw UsageError("--n must be between 1 and 4096");
  if (walk && (o.steps < 2 || o.steps > 256)) throw UsageError("--steps must be between 2 and 256");
  if (walk && o.data.spec.empty())
    throw UsageError("--interpolate needs --data (where images A and B come from)");
  if (o.cols < 1) throw UsageError("--cols must be at least 1");
  if (o.zoom < 1 || o.zoom > 16) throw UsageError("--zoom must be between 1 and 16");
  run::check_output_file(o.out, o.force, "--out");
  const Device device = start_compute(o.threads, o.device);
  run::LoadedRun r = run::load_run(o.run);
  const run::ImageShape shape = run::image_shape(r, "generate");
  auto* vae = dynamic_cast<models::Vae*>(r.model.get());
  if (!walk && !vae)
    throw UsageError("generate: the model in " + o.run + " is a '" + r.spec.type +
                     "', not a vae: only a VAE has a prior to sample from (--interpolate A,B "
                     "works with any autoencoder)");
  r.model->to(device);
  autograd::NoGradGuard no_grad;
  const int64_t k = r.model->latent_dim(), D = r.model->input_dim();

  Tensor z;
  int64_t rows = 0;
  std::pair<int64_t, int64_t> ab{0, 0};
  if (walk) {
    ab = parse_pair(o.interpolate);
    z = latent_walk(r, o, ab, device);
    rows = o.steps;
  } else {
    rows = o.n;
    z = ops::randn({rows, k}, device, o.seed);
  }
  std::vector<float> img =
      r.model->to_data(r.model->decode(z), r.loss).to(Device::cpu()).to_vector();
  r.scaler.inverse_transform(img.data(), rows, D);
  std::vector<const float*> cells;
  for (int64_t i = 0; i < rows; ++i) cells.push_back(img.data() + i * D);
  const int64_t cols = walk ? rows : std::min(o.cols, rows);
  report::write_image_grid_png(cells, static_cast<int>(shape.h), static_cast<int>(shape.w),
                               static_cast<int>(cols), static_cast<int>(o.zoom), o.out);
  nlohmann::json j{{"out", o.out},
                   {"images", rows},
                   {"mode", walk ? "interpolate" : "sample"},
                   {"run", o.run},
                   {"device", device.str()}};
  if (walk) j["interpolate"] = {ab.first, ab.second};
  if (o.json)
    std::cout << j.dump() << std::endl;
  else
    std::cout << "wrote " << o.out << " (" << rows
              << (walk ? " steps from image " + std::to_string(ab.first) + " to image " +
                             std::to_string(ab.second)
                       : std::string(" samples from the prior"))
              << ")\n";
  return 0;
}

}  // namespace

Action add_generate(CLI::App& app) {
  auto o = std::make_shared<GenerateOptions>();
  app.add_option("--run", o->run, "Run folder written by hourglass train")->required();
  app.add_option("--n", o->n, "Samples to draw from the prior (VAE)")
      ->default_val(64)
      ->check(positive_count());
  app.add_option("--interpolate", o->interpolate,
                 "A,B: decode the straight latent line between images A and B of --data");
  app.add_option("--steps", o->steps, "Points on the --interpolate line, ends included")
      ->default_val(10)
      ->check(positive_count());
  app.add_option("--data", o->data.spec, "Data spec for --interpolate");
  app.add_option("--split", o->data.split, "train or test (for --interpolate)")
      ->default_val("test");
  app.add_option("--seed", o->seed, "Seed of the prior samples")->check(seed_value());
  app.add_option("--cols", o->cols, "Images per row")->default_val(8)->check(positive_count());
  app.add_option("--zoom", o->zoom, "Pixel magnification")
      ->default_val(3)
      ->check(whole_number_in(1, 32));
  app.add_option("--out", o->out, "PNG file to write")->required();
  app.add_flag("--force", o->force, "Overwrite --out if it exists");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() { return run_generate(*o); };
}

}  // namespace hg::cli
