// hourglass demo: the seeds' main(), with a model made for each job. On images it trains four
// autoencoders (each stops by itself when its validation loss stops improving):
//   model       the seeds' 784-256-128-32 MLP on the normal classes (all but the last): anomalies
//   pretrained  the DEC/N2D 784-500-500-2000-10 MLP on every training image: clustering, transfer
//   denoiser    a convolutional denoising autoencoder (Gaussian noise, sigma 0.3): denoising
//   compressor  a convolutional autoencoder with a 63-unit code: compression at <= 64 bytes
// then runs every application as its own subcommand (a child process, so the demo does exactly
// what a user typing the commands gets) and writes one self-contained report.html in which each
// section puts the autoencoder's figure beside its baseline, measured in the same run, with a
// verdict computed from the two.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>

#include "apps/cli/commands.h"
#include "apps/cli/html_report.h"
#include "apps/report/verdict.h"
#include "engine/data/dataset.h"
#include "engine/data/spec.h"
#include "engine/io/atomic_file.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::cli {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string self_exe() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw Error("demo: cannot find the hourglass executable (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}

std::string quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

struct Step {
  bool ok = false;
  json out;           // the step's --json line (when it printed one)
  std::string error;  // its last stderr line when it failed
};

std::string last_line(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  const size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

std::string num(const json& j, const char* key, int precision = 4) {
  return j.contains(key) && j[key].is_number() ? fmt::num(j[key].get<double>(), precision) : "-";
}
double val(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::nan("");
}

// What every section needs: where things go, how steps run, the report and the summary.
struct Demo {
  std::string exe, out, data, device;
  bool images = true, retrain = false;
  int64_t epochs = 0;  // > 0: a cap on every training (quick runs)
  int64_t train_n = 0;
  int32_t top_class = 0;
  HtmlReport rep{"Hourglass demo"};
  json summary;
  int failures = 0, step_no = 0;
  Clock::time_point t0 = Clock::now();

  std::string dir(const std::string& name) const { return out + "/" + name; }
  std::string normal() const { return "0-" + std::to_string(top_class - 1); }

  // Runs `hourglass ARGS --json`: progress on our stderr, JSON from its last stdout line.
  Step run(const std::string& title, const std::vector<std::string>& args) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    std::cerr << "\n== [" << ++step_no << ", " << fmt::duration(elapsed) << " in] " << title
              << "\n";
    std::string cmd = quote(exe);
    for (const std::string& a : args) cmd += " " + quote(a);
    const std::string so = out + "/.step.out", se = out + "/.step.err";
    cmd += " --json >" + quote(so) + " 2>" + quote(se);
    const int status = std::system(cmd.c_str());
    Step s;
    const std::string e = fs::exists(se) ? io::read_file(se) : "";
    std::cerr << e;
    s.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (WIFSIGNALED(status) ||
        (WIFEXITED(status) && (WEXITSTATUS(status) == 130 || WEXITSTATUS(status) == 143)))
      throw Error("demo: interrupted during '" + title + "'");
    try {
      const std::string l = last_line(fs::exists(so) ? io::read_file(so) : "");
      if (!l.empty()) s.out = json::parse(l);
    } catch (const json::exception&) {}
    if (!s.ok) {
      s.error = last_line(e);
      ++failures;
      std::cerr << "demo: step failed: " << s.error << "\n";
    }
    fs::remove(so);
    fs::remove(se);
    return s;
  }

  // Trains `config` into dir(name), or reuses the run already there (unless --retrain).
  Step model(const std::string& name, const std::string& config,
             const std::vector<std::string>& extra) {
    const std::string d = dir(name);
    if (!retrain && fs::exists(d + "/checkpoint.safetensors") && fs::exists(d + "/metrics.json")) {
      std::cerr << "demo: reusing the trained " << name << " in " << d
                << " (--retrain to train again)\n";
      Step s;
      s.ok = true;
      s.out = io::read_json(d + "/metrics.json");
      s.out["reused"] = true;
      return s;
    }
    std::vector<std::string> args{"train",
                                  "--data",
                                  data,
                                  "--config",
                                  std::string(HG_SOURCE_DIR) + "/models/configs/" + config,
                                  "--device",
                                  device,
                                  "--out",
                                  d,
                                  "--force"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (epochs > 0) args.insert(args.end(), {"--epochs", std::to_string(epochs)});
    Step s = run("training the " + name + " (" + config + ")", args);
    if (!s.ok) throw Error("demo: training the " + name + " failed: " + s.error);
    return s;
  }

  // The verdict of a section from its figure and baselines, recorded with both in the summary.
  void verdict(const std::string& section, const report::Figure& ours,
               const std::vector<report::Figure>& base, int decimals, const std::string& unit,
               json extra = json::object()) {
    extra["ours"] = {{"name", ours.name},
                     {"value", std::isfinite(ours.value) ? json(ours.value) : json(nullptr)}};
    json b = json::array();
    for (const report::Figure& f : base)
      if (std::isfinite(f.value)) b.push_back({{"name", f.name}, {"value", f.value}});
    extra["baselines"] = b;
    record(section, report::compare(ours, base, decimals, unit), extra);
  }

  void record(const std::string& section, const report::Verdict& v, json extra = json::object()) {
    rep.paragraph("Verdict: " + v.text + ".");
    extra["verdict"] = v.text;
    extra["wins"] = v.ours_wins;
    extra["winner"] = v.winner;
    summary["sections"][section] = extra;
  }
};

// The row of the models table for one trained (or reused) run.
std::vector<std::string> model_row(const std::string& name, const std::string& config,
                                   const std::string& dir) {
  const json m =
      fs::exists(dir + "/metrics.json") ? io::read_json(dir + "/metrics.json") : json::object();
  const json& h = m.value("history", json::array());
  double secs = 0, best = std::nan("");
  for (const json& e : h) {
    secs += e.value("seconds", 0.0);
    if (e.value("epoch", 0) == m.value("best_epoch", -1) && e["val_loss"].is_number())
      best = e["val_loss"].get<double>();
  }
  return {name,
          config,
          std::to_string(h.size()),
          std::to_string(m.value("best_epoch", 0)),
          m.value("stopped_early", false) ? "yes" : "no (epoch cap)",
          std::isnan(best) ? "-" : fmt::num(best, 5),
          fmt::fixed(secs, 1)};
}

void section_models(Demo& d, const std::vector<std::pair<std::string, std::string>>& models) {
  d.rep.heading("1. The autoencoders");
  d.rep.paragraph(
      "Each trains with early stopping on a 10% validation split (patience from its config) and a "
      "plateau learning-rate schedule; the weights of its best validation epoch are kept.");
  std::vector<std::vector<std::string>> rows{{"model", "config", "epochs run", "best epoch",
                                              "stopped by itself", "best validation loss",
                                              "training s"}};
  for (const auto& [name, config] : models) rows.push_back(model_row(name, config, d.dir(name)));
  d.rep.table(rows);
  for (const auto& [name, config] : models)
    d.rep.image(d.dir(name) + "/loss_curve.png", name + ": training and validation loss per epoch");
}

void section_anomaly(Demo& d, const std::string& normal, const std::string& anomaly, int n) {
  d.rep.heading(std::to_string(n) + ". Anomaly detection (normal " + normal + ", anomalous " +
                anomaly + ")");
  const std::string run = d.dir("model");
  Step fit = d.run("anomaly detection: fitting the default detector",
                   {"detect", "fit", "--run", run, "--data", d.data, "--normal-classes", normal,
                    "--device", d.device, "--force"});
  Step det = d.run("anomaly detection: report with the baselines",
                   {"detect", "report", "--run", run, "--data", d.data, "--anomaly-classes",
                    anomaly, "--out-dir", d.dir("detect"), "--device", d.device, "--force"});
  if (!fit.ok || !det.ok) {
    d.rep.paragraph("failed: " + fit.error + det.error);
    return;
  }
  d.rep.paragraph("Detector: " + fit.out.value("score", std::string("?")) + ", threshold " +
                  fit.out.value("rule", std::string()) + " of held-out normal scores.");
  std::vector<std::vector<std::string>> rows{
      {"detector", "AUROC", "AUPRC"},
      {"Hourglass default", num(det.out, "auroc"), num(det.out, "auprc")}};
  report::Figure best{"no baseline", std::nan("")},
      seeds{"the seeds' reconstruction error (mse)", std::nan("")};
  for (const json& b : det.out.value("baselines", json::array())) {
    rows.push_back({b.value("label", std::string()), num(b, "auroc"), num(b, "auprc")});
    const double a = val(b, "auroc");
    if (b.value("label", std::string()) == "mse") seeds.value = a;
    if (std::isfinite(a) && !(a <= best.value))
      best = {"the best baseline, " + b.value("label", std::string()), a};
  }
  std::vector<report::Figure> base{best};
  if (best.name != "the best baseline, mse") base.push_back(seeds);
  d.rep.table(rows);
  d.rep.table({{"threshold", "precision", "recall", "F1", "FPR"},
               {num(det.out, "threshold"), num(det.out, "precision"), num(det.out, "recall"),
                num(det.out, "f1"), num(det.out, "fpr")}});
  d.verdict("anomaly", {"the default detector", val(det.out, "auroc")}, base, 4, " AUROC",
            {{"auroc", val(det.out, "auroc")}, {"score", fit.out.value("score", std::string())}});
  d.rep.image(d.dir("detect") + "/histogram.png",
              "scores of normal and anomalous test samples, with the threshold");
  d.rep.image(d.dir("detect") + "/roc.png", "ROC curve");
  d.rep.image(d.dir("detect") + "/top_anomalies.png",
              "the highest-scoring test samples: inputs, reconstructions, error maps");
}

void section_compression(Demo& d, int64_t latent, int n) {
  d.rep.heading(std::to_string(n) + ". Compression at " + std::to_string(latent) +
                " bytes per image");
  Step cz = d.run("compression", {"compress", "--run", d.dir("compressor"), "--data", d.data,
                                  "--out", d.dir("test.hgz"), "--latent-dtype", "int8", "--pca",
                                  std::to_string(latent), "--device", d.device, "--force"});
  d.run("reconstructions",
        {"reconstruct", "--run", d.dir("compressor"), "--data", d.data, "--n", "16", "--out",
         d.dir("reconstructions.png"), "--device", d.device, "--force"});
  if (!cz.ok) {
    d.rep.paragraph("compression: " + cz.error);
    return;
  }
  d.rep.table({{"codec", "bytes per image", "PSNR dB", "SSIM"},
               {"autoencoder, int8 codes (.hgz file)", num(cz.out, "bytes_per_image"),
                num(cz.out, "psnr"), num(cz.out, "ssim")},
               {"JPEG, entropy-coded scan at the same bytes", num(cz.out, "jpeg_budget_bytes"),
                num(cz.out, "jpeg_scan_psnr_at_same_bytes"), "-"},
               {"PCA, same coefficient count (unquantised)", "-", num(cz.out, "pca_psnr"),
                num(cz.out, "pca_ssim")},
               {"PNG, lossless", num(cz.out, "png_bytes_per_image"), "inf", "1"}});
  d.verdict(
      "compression", {"autoencoder", val(cz.out, "psnr")},
      {{"JPEG", val(cz.out, "jpeg_scan_psnr_at_same_bytes")}, {"PCA", val(cz.out, "pca_psnr")}}, 2,
      " dB",
      {{"psnr", val(cz.out, "psnr")},
       {"bytes_per_image", val(cz.out, "bytes_per_image")},
       {"ssim", val(cz.out, "ssim")}});
  d.rep.image(d.dir("reconstructions.png"),
              "test images (upper rows) and their reconstructions from 63-byte codes");
}

void section_denoising(Demo& d, int n) {
  d.rep.heading(std::to_string(n) + ". Denoising (Gaussian noise, sigma 0.3)");
  Step dn = d.run("denoising",
                  {"denoise", "--run", d.dir("denoiser"), "--data", d.data, "--noise",
                   "gaussian:0.3", "--out", d.dir("denoise.png"), "--device", d.device, "--force"});
  if (!dn.ok) {
    d.rep.paragraph("denoising: " + dn.error);
    return;
  }
  d.rep.table({{"images", "PSNR dB", "SSIM"},
               {"noisy input", num(dn.out, "psnr_noisy"), num(dn.out, "ssim_noisy")},
               {"denoised", num(dn.out, "psnr_denoised"), num(dn.out, "ssim_denoised")}});
  d.verdict("denoising", {"denoised", val(dn.out, "psnr_denoised")},
            {{"noisy input", val(dn.out, "psnr_noisy")}}, 2, " dB",
            {{"psnr_denoised", val(dn.out, "psnr_denoised")},
             {"ssim_denoised", val(dn.out, "ssim_denoised")},
             {"psnr_noisy", val(dn.out, "psnr_noisy")}});
  d.rep.image(d.dir("denoise.png"), "noisy (top), denoised (middle), clean (bottom)");
}

void section_clustering(Demo& d, const std::string& run, int k, int n) {
  d.rep.heading(std::to_string(n) + ". Clustering: pixels vs PCA vs latent space");
  Step cl =
      d.run("clustering", {"cluster", "--run", run, "--data", d.data, "--k", std::to_string(k),
                           "--out-dir", d.dir("cluster"), "--device", d.device, "--force"});
  if (!cl.ok) {
    d.rep.paragraph("clustering: " + cl.error);
    return;
  }
  std::vector<std::vector<std::string>> rows{
      {"space", "method", "dims", "ACC", "NMI", "ARI", "silhouette"}};
  std::vector<report::Figure> base;  // every pixel and PCA entry: the baselines
  for (const json& s : cl.out.value("spaces", json::array())) {
    const std::string space = s.value("space", std::string()),
                      method = s.value("method", std::string("kmeans"));
    rows.push_back({space, method, num(s, "dims", 4), num(s, "acc"), num(s, "nmi"), num(s, "ari"),
                    num(s, "silhouette")});
    if (space != "latent") base.push_back({space + " " + method, val(s, "acc")});
  }
  const json best = cl.out.value("best", json::object());
  const report::Figure ours{"latent " + best.value("method", std::string("kmeans")),
                            val(best, "acc")};
  d.rep.table(rows);
  d.verdict("clustering", ours, base, 3, " ACC", {{"acc", ours.value}});
  d.rep.image(d.dir("cluster") + "/tsne_labels.png", "t-SNE of the codes, coloured by true class");
  d.rep.image(d.dir("cluster") + "/tsne_clusters.png", "the same, coloured by cluster");
  d.rep.image(d.dir("cluster") + "/acc.png", "clustering accuracy per space and method");
}

void section_transfer(Demo& d, int n) {
  d.rep.heading(std::to_string(n) + ". Transfer learning: a classifier from few labels");
  std::string sweep;
  for (int64_t c : {100, 500, 1000, 5000})
    if (c < d.train_n) sweep += (sweep.empty() ? "" : ",") + std::to_string(c);
  if (sweep.empty()) sweep = std::to_string(std::max<int64_t>(2, d.train_n / 2));
  Step tf = d.run("transfer learning",
                  {"transfer", "--run", d.dir("pretrained"), "--data", d.data, "--sweep", sweep,
                   "--plot", d.dir("transfer.png"), "--device", d.device});
  if (!tf.ok) {
    d.rep.paragraph("transfer: " + tf.error);
    return;
  }
  d.rep.paragraph(
      "The encoder was pretrained without labels on every training image; the head (and, "
      "fine-tuned, "
      "the encoder at a tenth of the rate) learns from the labels alone, with early stopping on a "
      "fifth of "
      "them held out. The same network from scratch sees the same labels.");
  std::vector<std::vector<std::string>> rows{
      {"labels", "frozen encoder", "fine-tuned encoder", "from scratch"}};
  json per = json::array();
  std::string text;
  bool all_win = true;
  for (const json& r : tf.out.value("results", json::array())) {
    rows.push_back({num(r, "labels", 6), num(r, "frozen"), num(r, "finetune"), num(r, "scratch")});
    const double pre = std::max(val(r, "frozen"), val(r, "finetune"));
    const report::Verdict v =
        report::compare({"pretrained", pre}, {{"scratch", val(r, "scratch")}}, 3);
    text +=
        (text.empty() ? "" : "; ") + std::to_string(r.value("labels", 0)) + " labels: " + v.text;
    all_win = all_win && v.ours_wins;
    per.push_back({{"labels", r.value("labels", 0)},
                   {"pretrained", pre},
                   {"scratch", val(r, "scratch")},
                   {"wins", v.ours_wins}});
  }
  d.rep.table(rows);
  report::Verdict v;
  v.text = text;
  v.ours_wins = all_win;
  v.winner = all_win ? "pretrained" : "mixed";
  d.record("transfer", v, {{"per_count", per}});
  d.rep.image(d.dir("transfer.png"), "test accuracy against the number of labels");
}

// The class labels of the data's training split: how many classes, and how many images.
void read_classes(Demo& d) {
  const data::Dataset train = data::load(data::parse_spec(d.data), data::Split::Train);
  if (!train.has_labels()) throw UsageError("--data " + d.data + ": the demo needs labelled data");
  const std::set<int32_t> cl(train.y.begin(), train.y.end());
  d.images = train.sample_shape.size() == 3;
  if (cl.size() < (d.images ? 3u : 2u))
    throw UsageError("--data " + d.data + ": the demo needs at least " + (d.images ? "3" : "2") +
                     " classes");
  d.top_class = *cl.rbegin();
  d.train_n = train.n;
  if (d.images && train.features() != 784)
    throw UsageError("--data " + d.data + ": the demo's models take 28x28 images, these have " +
                     std::to_string(train.features()) + " values");
}

void image_demo(Demo& d) {
  const std::vector<std::pair<std::string, std::string>> models{
      {"model", "mlp784.json"},
      {"pretrained", "n2d784.json"},
      {"denoiser", "denoising_conv28.json"},
      {"compressor", "compress_conv28.json"}};
  d.model("model", "mlp784.json", {"--classes", d.normal()});
  d.model("pretrained", "n2d784.json", {});
  d.model("denoiser", "denoising_conv28.json", {});
  d.model("compressor", "compress_conv28.json", {});
  section_models(d, models);
  section_anomaly(d, d.normal(), std::to_string(d.top_class), 2);
  section_compression(d, 63, 3);
  section_denoising(d, 4);
  section_clustering(d, d.dir("pretrained"), d.top_class + 1, 5);
  section_transfer(d, 6);
}

void table_demo(Demo& d) {
  d.model("model", "tabular.json", {"--classes", "0"});
  section_models(d, {{"model", "tabular.json"}});
  section_anomaly(d, "0", "1", 2);
  section_clustering(d, d.dir("model"), 2, 3);
}

}  // namespace

Action add_demo(CLI::App& app) {
  struct Opts {
    std::string data, out = "runs/demo", device = "auto";
    int64_t epochs = 0;
    bool retrain = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option(
      "--data", o->data,
      "mnist, fashion-mnist, idx:DIR (28x28 images) or synthetic (default: the first installed)");
  app.add_option("--out", o->out, "Folder for the runs, the pictures and report.html")
      ->default_val("runs/demo");
  app.add_option("--epochs", o->epochs,
                 "Cap every training at this many epochs (default: each stops by itself)");
  app.add_option("--device", o->device, "auto, cpu or cuda")->default_val("auto");
  app.add_flag("--retrain", o->retrain, "Train again even when --out holds trained models");
  app.add_flag("--json", o->json, "Print a JSON summary as the last line");
  return [o]() {
    Demo d;
    d.data = o->data;
    if (d.data.empty()) {
      const auto have = [](const std::string& dir) {
        return fs::exists(dir + "/train-images-idx3-ubyte") ||
               fs::exists(dir + "/train-images-idx3-ubyte.gz");
      };
      d.data = have("data/mnist")                          ? "mnist"
               : have("/usr/share/datasets/fashion-mnist") ? "fashion-mnist"
                                                           : "synthetic";
      if (d.data == "synthetic")
        std::cerr << "demo: no image data found (scripts/fetch-data installs them): using the "
                     "synthetic table\n";
    }
    if (o->epochs < 0) throw UsageError("--epochs must be positive (or 0: no cap)");
    read_classes(d);
    d.exe = self_exe();
    d.out = o->out;
    d.device = o->device;
    d.retrain = o->retrain;
    d.epochs = o->epochs;
    std::error_code ec;
    fs::create_directories(d.out, ec);
    if (ec) throw Error("--out " + d.out + ": cannot create: " + ec.message());
    d.rep = HtmlReport("Hourglass demo: " + d.data);
    d.rep.paragraph("Everything below was produced by `hourglass demo --data " + d.data +
                    "` (Hourglass " HG_VERSION
                    "). Every figure stands beside its baseline, measured in the same run; each "
                    "verdict is computed "
                    "from the two.");
    d.summary = {{"data", d.data}, {"out", d.out}, {"sections", json::object()}};
    if (d.images)
      image_demo(d);
    else
      table_demo(d);
    const std::string html = d.out + "/report.html";
    d.rep.write(html);
    const double secs = std::chrono::duration<double>(Clock::now() - d.t0).count();
    d.summary["report"] = html;
    d.summary["failed_steps"] = d.failures;
    d.summary["seconds"] = secs;
    std::cerr << "\n";
    for (const auto& [name, s] : d.summary["sections"].items())
      std::cerr << name << ": " << s.value("verdict", std::string()) << "\n";
    if (o->json)
      std::cout << d.summary.dump() << std::endl;
    else
      std::cout << "report: " << html << " (" << fmt::duration(secs) << ")"
                << (d.failures ? " (" + std::to_string(d.failures) + " step(s) failed, see above)"
                               : "")
                << "\n";
    return d.failures ? 1 : 0;
  };
}

}  // namespace hg::cli
