// hourglass compress: a data set as the latent codes of a trained run in an .hgz file
// (docs/hgz.md), with what it costs (bytes, ratios) and what it loses (PSNR, SSIM after decoding
// the file again), next to JPEG at the same bytes and, with --pca K, PCA with K coefficients.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "apps/analysis/pca.h"
#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/compress/codec.h"
#include "apps/compress/codec_curves.h"
#include "apps/compress/hgz_format.h"
#include "apps/compress/png_levels.h"
#include "apps/compress/wavelet.h"
#include "apps/imaging/quality.h"
#include "apps/report/chart.h"
#include "apps/run/run_data.h"
#include "engine/io/atomic_file.h"
#include "engine/util/error.h"

namespace hg::cli {

namespace {
constexpr int64_t kJpegImages = 200;    // images compared with JPEG
constexpr int64_t kPcaFitRows = 20000;  // training rows the PCA baseline is fitted on

nlohmann::json opt_num(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

const char* codec_label(const std::string& codec) {
  if (codec == "jpeg") return "JPEG files";
  if (codec == "jpeg_scan") return "JPEG scan bytes";
  if (codec == "wavelet") return "wavelet";
  if (codec == "png") return "PNG levels, files";
  if (codec == "png_data") return "PNG levels, data";
  return nullptr;
}

using Lines = std::map<std::string, std::vector<std::pair<double, double>>>;

// One compress --json line: the autoencoder's point, and the codecs' points at its bytes.
void add_compress_line(const nlohmann::json& j, Lines& models, Lines& at_budget) {
  const double x = j.at("bytes_per_image").get<double>();
  const std::string dt = j.at("dtype").get<std::string>();
  auto add = [&](Lines& to, const std::string& name, const char* key) {
    if (j.contains(key) && j[key].is_number()) to[name].push_back({x, j[key].get<double>()});
  };
  const std::string type = j.value("model_type", std::string());
  add(models, "AE" + (type.empty() ? std::string() : " " + type) + " " + dt, "psnr");
  add(at_budget, "JPEG scan bytes", "jpeg_scan_psnr_at_same_bytes");
  add(at_budget, "JPEG files", "jpeg_psnr_at_same_bytes");
  add(at_budget, "wavelet", "wavelet_psnr_at_same_bytes");
  add(at_budget, "PNG levels, data", "png_data_psnr_at_same_bytes");
  add(at_budget, "PNG levels, files", "png_psnr_at_same_bytes");
  if (dt == "f16") add(models, "PCA, f16 size", "pca_psnr");
}

// PSNR against bytes per image, one line per method, from compress --json lines and, when the
// file has them, compress --codec-curves lines (which then draw the codecs instead of their
// points at the models' bytes).
void rate_distortion_chart(const std::string& rows_path, const std::string& out) {
  Lines models, at_budget, curves;
  std::istringstream in(io::read_file(rows_path));
  std::string line;
  int64_t no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      if (!j.contains("codec")) {
        add_compress_line(j, models, at_budget);
        continue;
      }
      const char* label = codec_label(j.at("codec").get<std::string>());
      if (!label) throw Error(rows_path + ": line " + std::to_string(no) + ": unknown codec");
      curves[label].push_back({j.at("bytes_per_image").get<double>(), j.at("psnr").get<double>()});
    } catch (const nlohmann::json::exception& e) {
      throw Error(rows_path + ": line " + std::to_string(no) +
                  ": not a compress --json or --codec-curves line (" + e.what() + ")");
    }
  }
  Lines lines = models;
  for (auto& [name, pts] : curves.empty() ? at_budget : curves) lines[name] = pts;
  if (lines.empty()) throw Error(rows_path + ": no compress --json lines");
  report::Chart c;
  c.title = "Rate-distortion: PSNR against bytes per image (AE: autoencoder)";
  c.xlabel = "bytes per image";
  c.ylabel = "PSNR (dB)";
  // With the codecs' curves the chart shows where learned codes compete, the first 300 bytes
  // and up to 60 dB (lossless PNG's 100 dB cap and whole JPEG files from ~650 bytes are in the
  // table), tall enough that the legend finds an empty corner.
  if (!curves.empty()) c.xmin = 0, c.xmax = 300, c.ymin = 5, c.ymax = 60, c.height = 700;
  for (auto& [name, pts] : lines) {
    std::sort(pts.begin(), pts.end());
    pts.erase(
        std::unique(pts.begin(), pts.end(), [](auto a, auto b) { return a.first == b.first; }),
        pts.end());
    report::Series s;
    s.label = name;
    for (auto [x, y] : pts) {
      s.x.push_back(x);
      s.y.push_back(y);
    }
    c.series.push_back(std::move(s));
  }
  report::write_chart(c, out);
}
struct CompressOptions {
  run::DataRequest data;
  std::string run, out, dtype = "f16", device = "auto", rd_chart;
  int pca = 0;
  int threads = 0;
  bool zlib = false, force = false, json = false, codec_curves = false;
};

// --codec-curves replaces compressing: the classical codecs alone, on the first images of --data.
int write_codec_curves(const CompressOptions& o) {
  if (o.data.spec.empty()) throw UsageError("--data is required");
  run::check_output_file(o.out, o.force, "--out");
  start_compute(o.threads, "cpu");
  run::DataRequest q = o.data;
  if (q.limit == 0) q.limit = kJpegImages;
  const data::Dataset d = run::load_selection(q, -1, "");
  const auto& s = d.sample_shape;
  if (s.size() != 3 || s[0] != 1)
    throw UsageError("--codec-curves: --data must be grayscale images (1 x H x W), not " +
                     std::to_string(d.features()) + " features");
  const auto pts = compress::codec_curves(d.x.data(), d.n, int(s[1]), int(s[2]));
  std::string lines;
  for (const auto& p : pts)
    lines += nlohmann::json{{"codec", p.codec}, {"setting", p.setting},
                            {"images", d.n},    {"bytes_per_image", p.bytes_per_image},
                            {"psnr", p.psnr},   {"ssim", p.ssim}}
                 .dump() +
             "\n";
  io::write_file_atomic(o.out, lines);
  if (o.json)
    std::cout << nlohmann::json{{"out", o.out}, {"points", pts.size()}, {"images", d.n}}.dump()
              << std::endl;
  else
    std::cout << "wrote " << o.out << ": " << pts.size() << " codec points over " << d.n
              << " images\n";
  return 0;
}

// --rd-chart replaces compressing: it only reads earlier compress --json lines.
int write_rd_chart(const CompressOptions& o) {
  run::check_output_file(o.out, o.force, "--out");
  rate_distortion_chart(o.rd_chart, o.out);
  if (o.json)
    std::cout << nlohmann::json{{"out", o.out}}.dump() << std::endl;
  else
    std::cout << "wrote " << o.out << "\n";
  return 0;
}

// Data that are not images have no shape: no SSIM, no JPEG, and PSNR over the data's own range.
std::optional<run::ImageShape> image_shape_if_any(const run::LoadedRun& r) {
  std::optional<run::ImageShape> shape;
  try {
    shape = run::image_shape(r, "compress");
  } catch (const Error&) {}
  return shape;
}

// The samples and what the written file decodes to, both in the data's units, and the range
// PSNR is measured against.
struct Decoded {
  std::vector<float> orig, rec;
  double range = 1.0;
};

// Decode what was written, as decompress would, and compare in the data's units.
Decoded decode_written(const run::LoadedRun& r, const data::Dataset& d, const std::string& bytes,
                       const compress::Fingerprint& fp, const CompressOptions& o, bool image,
                       Device device) {
  const int64_t n = d.n, D = d.features();
  const compress::HgzFile f = compress::decode_hgz(bytes, o.out, &fp, o.run);
  Decoded dec;
  dec.rec = compress::decode_rows(r, f.codes, n, device);
  dec.orig = d.x;
  r.scaler.inverse_transform(dec.orig.data(), n, D);
  if (image) {
    for (float& v : dec.rec) v = std::clamp(v, 0.0f, 1.0f);  // what an 8-bit image shows
  } else {
    const auto [lo, hi] = std::minmax_element(dec.orig.begin(), dec.orig.end());
    dec.range = std::max(1e-12, double(*hi) - double(*lo));
  }
  return dec;
}

// Lossless PNG's size, and lossy PNG (fewer gray levels) at the same bytes, counting the whole
// files and, like JPEG's scan bytes, only the image data.
void add_png_baselines(nlohmann::json& j, const float* orig, int64_t m, int64_t D,
                       const run::ImageShape& shape, double budget) {
  double png = 0;
  for (int64_t i = 0; i < m; ++i)
    png += static_cast<double>(compress::png_gray(orig + i * D, int(shape.h), int(shape.w)).size());
  j["png_bytes_per_image"] = png / static_cast<double>(m);
  const auto whole = compress::png_at_budget(orig, m, int(shape.h), int(shape.w), budget, false);
  const auto data = compress::png_at_budget(orig, m, int(shape.h), int(shape.w), budget, true);
  j["png_psnr_at_same_bytes"] = opt_num(whole.psnr);
  if (whole.psnr) {
    j["png_levels_mean"] = whole.mean_levels;
    j["png_lossy_bytes_per_image"] = whole.mean_bytes;
  } else {
    j["png_note"] = whole.note;
  }
  j["png_data_psnr_at_same_bytes"] = opt_num(data.psnr);
  if (data.psnr) {
    j["png_data_levels_mean"] = data.mean_levels;
    j["png_data_bytes_per_image"] = data.mean_bytes;
  }
}

// SSIM, and for grayscale images JPEG at the same bytes and lossless PNG as references.
void add_image_baselines(nlohmann::json& j, const Decoded& dec, int64_t n, int64_t D,
                         const run::ImageShape& shape, double file_bytes) {
  const std::vector<float>& orig = dec.orig;
  if (shape.h >= 11 && shape.w >= 11)
    j["ssim"] = imaging::mean_ssim(orig.data(), dec.rec.data(), n, shape.c, shape.h, shape.w);
  else
    j["ssim_note"] = "SSIM needs images of at least 11 x 11 (its Gaussian window)";
  if (shape.c != 1) {
    j["jpeg_note"] = "the JPEG baseline handles grayscale images only";
    return;
  }
  const int64_t m = std::min(n, kJpegImages);
  const double budget = std::floor(file_bytes / n);
  const auto full =
      compress::jpeg_at_budget(orig.data(), m, int(shape.h), int(shape.w), budget, false);
  const auto scan =
      compress::jpeg_at_budget(orig.data(), m, int(shape.h), int(shape.w), budget, true);
  j["jpeg_images"] = m;
  j["jpeg_budget_bytes"] = budget;
  j["jpeg_psnr_at_same_bytes"] = opt_num(full.psnr);
  if (full.psnr) {
    j["jpeg_bytes_per_image"] = full.mean_bytes;
    j["jpeg_quality_mean"] = full.mean_quality;
  } else {
    j["jpeg_note"] = full.note;
  }
  j["jpeg_scan_psnr_at_same_bytes"] = opt_num(scan.psnr);
  if (scan.psnr) {
    j["jpeg_scan_quality_mean"] = scan.mean_quality;
    j["jpeg_scan_bytes_per_image"] = scan.mean_bytes;
  }
  // The wavelet codec (Haar, dead-zone quantiser, DEFLATE) at the same bytes.
  const auto wav = compress::wavelet_at_budget(orig.data(), m, int(shape.h), int(shape.w), budget);
  j["wavelet_psnr_at_same_bytes"] = opt_num(wav.psnr);
  if (wav.psnr)
    j["wavelet_bytes_per_image"] = wav.mean_bytes;
  else
    j["wavelet_note"] = wav.note;
  add_png_baselines(j, orig.data(), m, D, shape, budget);
}

// --pca K: the linear baseline with as many coefficients, fitted on training rows of the same
// classes, so the autoencoder is compared with more than JPEG.
void add_pca_baseline(nlohmann::json& j, const CompressOptions& o, const Decoded& dec, int64_t n,
                      int64_t D, const std::optional<run::ImageShape>& shape,
                      const std::string& run_dir) {
  const std::vector<float>& orig = dec.orig;
  run::DataRequest q = o.data;
  q.split = "train";
  q.classes = o.data.classes;
  q.limit = kPcaFitRows;
  data::Dataset t = run::load_selection(q, D, run_dir);
  if (o.pca > std::min<int64_t>(t.n, D))
    throw UsageError("--pca " + std::to_string(o.pca) +
                     ": at most min(training rows, features) = " +
                     std::to_string(std::min<int64_t>(t.n, D)) + " components");
  const analysis::Pca p = analysis::Pca::fit(t.x, t.n, D, o.pca);
  const std::vector<float> c = p.transform(orig.data(), n);
  std::vector<float> prec = p.inverse_transform(c.data(), n);
  if (shape)
    for (float& v : prec) v = std::clamp(v, 0.0f, 1.0f);
  j["pca_k"] = o.pca;
  j["pca_fit_rows"] = t.n;
  j["pca_psnr"] = compress::mean_psnr(orig.data(), prec.data(), n, D, dec.range);
  if (shape && shape->h >= 11 && shape->w >= 11)
    j["pca_ssim"] = imaging::mean_ssim(orig.data(), prec.data(), n, shape->c, shape->h, shape->w);
}

// The text summary reads its numbers back from the JSON, so both always agree.
void print_summary(nlohmann::json& j, const CompressOptions& o, int64_t n, int64_t k,
                   compress::LatentDtype dtype, size_t nbytes,
                   const std::optional<run::ImageShape>& shape) {
  auto num = [](const nlohmann::json& v, int prec = 2) {
    if (v.is_null()) return std::string("n/a");
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(prec);
    s << v.get<double>();
    return s.str();
  };
  std::cout << "wrote " << o.out << ": " << n << " samples as " << k << " "
            << compress::dtype_name(dtype) << " codes" << (o.zlib ? " (zlib)" : "") << ", "
            << nbytes << " bytes (" << num(j["bytes_per_image"]) << " per sample)\n"
            << "ratio " << num(j["ratio"]) << "x against 8-bit pixels, " << num(j["ratio_float32"])
            << "x against float32; space savings " << num(100 * j["space_savings"].get<double>(), 1)
            << "%\n"
            << "PSNR " << num(j["psnr"]) << " dB"
            << (shape ? ", SSIM " + num(j["ssim"], 4) : std::string()) << "\n";
  if (shape && shape->c == 1) {
    if (j["jpeg_psnr_at_same_bytes"].is_null())
      std::cout << "JPEG at the same bytes: n/a (" << j["jpeg_note"].get<std::string>() << ")\n";
    else
      std::cout << "JPEG at the same bytes: PSNR " << num(j["jpeg_psnr_at_same_bytes"])
                << " dB (mean quality " << num(j["jpeg_quality_mean"], 1) << ")\n";
    if (j.contains("wavelet_psnr_at_same_bytes") && !j["wavelet_psnr_at_same_bytes"].is_null())
      std::cout << "wavelet codec at the same bytes: PSNR " << num(j["wavelet_psnr_at_same_bytes"])
                << " dB\n";
    std::cout << "JPEG counting only its scan bytes: PSNR "
              << num(j["jpeg_scan_psnr_at_same_bytes"]) << " dB\n";
    std::cout << "PNG with fewer gray levels at the same bytes: PSNR "
              << num(j["png_psnr_at_same_bytes"])
              << " dB (image data only: " << num(j["png_data_psnr_at_same_bytes"])
              << " dB); lossless PNG " << num(j["png_bytes_per_image"], 1) << " bytes\n";
  }
  if (o.pca > 0)
    std::cout << "PCA with " << o.pca << " coefficients: PSNR " << num(j["pca_psnr"]) << " dB\n";
}

int run_compress(const CompressOptions& o) {
  if (!o.rd_chart.empty()) return write_rd_chart(o);
  if (o.codec_curves) return write_codec_curves(o);
  if (o.run.empty()) throw UsageError("--run is required");
  if (o.data.spec.empty()) throw UsageError("--data is required");
  const compress::LatentDtype dtype = compress::parse_latent_dtype(o.dtype, "--latent-dtype");
  if (o.pca < 0) throw UsageError("--pca must be a positive number of components");
  run::check_output_file(o.out, o.force, "--out");
  const Device device = start_compute(o.threads, o.device);
  run::LoadedRun r = run::load_run(o.run);
  r.model->to(device);
  data::Dataset d = run::load_for_run(r, o.data);
  const int64_t n = d.n, D = d.features(), k = r.model->latent_dim();
  const std::optional<run::ImageShape> shape = image_shape_if_any(r);

  // Encode, quantise, write.
  const std::vector<float> z = run::encode_rows(*r.model, d.x, n, device);
  const compress::Fingerprint fp = compress::run_fingerprint(r);
  const std::string bytes = compress::encode_hgz(
      z, n, k, d.sample_shape, dtype, o.zlib ? compress::Coding::Zlib : compress::Coding::Raw, fp);
  io::write_file_atomic(o.out, bytes);

  const Decoded dec = decode_written(r, d, bytes, fp, o, shape.has_value(), device);
  const double file_bytes = static_cast<double>(bytes.size());
  const double raw8 = static_cast<double>(n * D);
  nlohmann::json j{{"out", o.out},
                   {"run", o.run},
                   {"n", n},
                   {"model", r.config.at("model").value("name", std::string())},
                   {"model_type", r.config.at("model").value("type", std::string())},
                   {"latent", k},
                   {"dtype", compress::dtype_name(dtype)},
                   {"coding", o.zlib ? "zlib" : "raw"},
                   {"fingerprint", fp.hex()},
                   {"bytes", bytes.size()},
                   {"bytes_per_image", file_bytes / n},
                   {"ratio", raw8 / file_bytes},
                   {"ratio_float32", 4 * raw8 / file_bytes},
                   {"space_savings", 1 - file_bytes / raw8},
                   {"psnr", compress::mean_psnr(dec.orig.data(), dec.rec.data(), n, D, dec.range)},
                   {"ssim", nullptr},
                   {"jpeg_psnr_at_same_bytes", nullptr},
                   {"device", device.str()}};
  if (shape) add_image_baselines(j, dec, n, D, *shape, file_bytes);
  if (o.pca > 0) add_pca_baseline(j, o, dec, n, D, shape, r.dir);

  if (o.json) {
    std::cout << j.dump() << std::endl;
    return 0;
  }
  print_summary(j, o, n, k, dtype, bytes.size(), shape);
  return 0;
}
}  // namespace

Action add_compress(CLI::App& app) {
  auto o = std::make_shared<CompressOptions>();
  app.add_option("--run", o->run, "Run folder written by hourglass train (required)");
  app.add_option("--data", o->data.spec, "Data to compress (required)");
  app.add_option("--split", o->data.split, "train or test")->default_val("test");
  app.add_option("--classes", o->data.classes, "Only these labels");
  app.add_option("--limit", o->data.limit, "Compress the first N samples")->check(positive_count());
  app.add_option("--out", o->out, "The .hgz file to write")->required();
  app.add_option("--latent-dtype", o->dtype,
                 "f32, f16 or int8 (per-dimension scale and zero point)")
      ->default_val("f16");
  app.add_flag("--zlib", o->zlib, "Deflate the code bytes with zlib");
  app.add_option("--pca", o->pca,
                 "Also report pca_psnr: PCA with K coefficients fitted on the training split");
  app.add_option(
      "--rd-chart", o->rd_chart,
      "Instead of compressing: plot PSNR against bytes per image from a file of compress --json "
      "lines (one line per method) to --out (.png or .svg)");
  app.add_flag("--codec-curves", o->codec_curves,
               "Instead of compressing: the classical codecs' rate-distortion curves (JPEG, "
               "wavelet, lossy PNG, each at a ladder of its settings) on the first 200 images of "
               "--data (or --limit), as JSON lines to --out");
  app.add_flag("--force", o->force, "Overwrite --out");
  add_compute_flags(app, o->device, o->threads, o->json);
  return [o]() { return run_compress(*o); };
}

}  // namespace hg::cli
