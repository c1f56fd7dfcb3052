// hourglass decompress: an .hgz file (docs/hgz.md) back to images with the run that made it:
// DIR/000000.png ... (8-bit grayscale) or, with --idx, DIR/images-idx3-ubyte.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/compress/codec.h"
#include "apps/compress/hgz_format.h"
#include "apps/run/run_data.h"
#include "engine/data/idx.h"
#include "engine/io/atomic_file.h"
#include "engine/io/staged_folder.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::cli {

namespace fs = std::filesystem;

Action add_decompress(CLI::App& app) {
  struct Opts {
    std::string run, in, out, device = "auto";
    int threads = 0;
    bool idx = false, force = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->run, "The run folder whose model wrote the file")->required();
  app.add_option("--in", o->in, "The .hgz file")->required();
  app.add_option("--out", o->out, "Folder for the images (created)")->required();
  app.add_flag("--idx", o->idx, "Write one IDX file (images-idx3-ubyte) instead of PNGs");
  app.add_flag("--force", o->force, "Write into --out even if it holds files");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() {
    if (fs::exists(o->out) && !fs::is_directory(o->out))
      throw Error("--out " + o->out + ": exists and is not a folder");
    if (fs::is_directory(o->out) && !fs::is_empty(o->out) && !o->force)
      throw Error("--out " + o->out + ": folder is not empty (use --force to write into it)");
    const Device device = start_compute(o->threads, o->device);
    run::LoadedRun r = run::load_run(o->run);
    const run::ImageShape shape = run::image_shape(r, "decompress");
    r.model->to(device);
    const compress::Fingerprint fp = compress::run_fingerprint(r);
    const compress::HgzFile f = compress::read_hgz(o->in, &fp, "the run " + o->run);
    const int64_t D = r.model->input_dim();
    int64_t prod = 1;
    for (int64_t s : f.sample_shape) prod *= s;
    if (f.k != r.model->latent_dim() || prod != D)
      throw Error(o->in + ": holds " + std::to_string(f.k) + "-value codes of " +
                  std::to_string(prod) + "-value samples, but the model in " + o->run +
                  " has latent " + std::to_string(r.model->latent_dim()) + " and " +
                  std::to_string(D) + " inputs");
    std::vector<float> x = compress::decode_rows(r, f.codes, f.n, device);
    io::StagedFolder out(o->out);  // all the images or none: nothing partial on failure or Ctrl-C
    const int64_t plane = shape.h * shape.w;  // multi-channel images: the first channel
    if (o->idx) {
      std::vector<uint8_t> px(static_cast<size_t>(f.n * plane));
      for (int64_t i = 0; i < f.n; ++i)
        for (int64_t p = 0; p < plane; ++p) {
          const float v = x[i * D + p];
          px[i * plane + p] =
              v == v ? static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)) : 0;
        }
      data::write_idx_u8(out.path("images-idx3-ubyte"), {f.n, shape.h, shape.w}, px);
    } else {
      for (int64_t i = 0; i < f.n; ++i) {
        interrupt::check("decompress (nothing written to " + o->out + ")", "");
        char name[32];
        std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(i));
        io::write_file_atomic(out.path(name),
                              compress::png_gray(x.data() + i * D, int(shape.h), int(shape.w)));
      }
    }
    interrupt::check("decompress (nothing written to " + o->out + ")", "");
    out.commit();
    nlohmann::json j{
        {"n", f.n}, {"out", o->out}, {"format", o->idx ? "idx" : "png"}, {"device", device.str()}};
    if (o->json)
      std::cout << j.dump() << std::endl;
    else
      std::cout << "wrote " << f.n << " images to " << o->out
                << (o->idx ? "/images-idx3-ubyte" : "") << "\n";
    return 0;
  };
}

}  // namespace hg::cli
