// hourglass demo: the seeds' main(): train (or reuse) an autoencoder, then run every application
// in turn (anomaly detection, compression, denoising, clustering with t-SNE, transfer learning)
// and write one self-contained report.html. Each application is this program's own subcommand,
// run as a child process, so the demo does exactly what a user typing the commands would get.
#include <unistd.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/cli/html_report.h"
#include "engine/io/atomic_file.h"
#include "engine/util/error.h"
#include "engine/util/format.h"

namespace hg::cli {

namespace fs = std::filesystem;
using nlohmann::json;

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

// Runs `hourglass ARGS --json`, progress on our stderr (tee'd), JSON from its last stdout line.
Step run_step(const std::string& exe, const std::string& dir, const std::string& title, const std::vector<std::string>& args) {
  std::cerr << "\n== " << title << "\n";
  std::string cmd = quote(exe);
  for (const std::string& a : args) cmd += " " + quote(a);
  const std::string out = dir + "/.step.out", err = dir + "/.step.err";
  cmd += " --json >" + quote(out) + " 2>" + quote(err);
  const int status = std::system(cmd.c_str());
  Step s;
  const std::string e = fs::exists(err) ? io::read_file(err) : "";
  std::cerr << e;
  s.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::string o = fs::exists(out) ? io::read_file(out) : "";
  while (!o.empty() && o.back() == '\n') o.pop_back();
  const size_t nl = o.rfind('\n');
  const std::string last = nl == std::string::npos ? o : o.substr(nl + 1);
  try {
    if (!last.empty()) s.out = json::parse(last);
  } catch (const json::exception&) {
  }
  if (!s.ok) {
    std::string t = e;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    s.error = t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
    std::cerr << "demo: step failed: " << s.error << "\n";
  }
  fs::remove(out);
  fs::remove(err);
  return s;
}

std::string num(const json& j, const char* key, int precision = 4) {
  return j.contains(key) && j[key].is_number() ? fmt::num(j[key].get<double>(), precision) : "-";
}

bool have_idx(const std::string& dir) {
  return fs::exists(dir + "/train-images-idx3-ubyte") || fs::exists(dir + "/train-images-idx3-ubyte.gz");
}

}  // namespace

Action add_demo(CLI::App& app) {
  struct Opts {
    std::string data, out = "runs/demo", device = "auto";
    int64_t epochs = 0;
    bool retrain = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--data", o->data, "mnist, fashion-mnist or synthetic (default: the first that is installed)");
  app.add_option("--out", o->out, "Folder for the run, the pictures and report.html")->default_val("runs/demo");
  app.add_option("--epochs", o->epochs, "Training epochs (default 10 for images, 50 for the table)");
  app.add_option("--device", o->device, "auto, cpu or cuda")->default_val("auto");
  app.add_flag("--retrain", o->retrain, "Train again even when --out holds a trained model");
  app.add_flag("--json", o->json, "Print a JSON summary as the last line");
  return [o]() {
    std::string data = o->data;
    if (data.empty()) {
      if (have_idx("data/mnist")) data = "mnist";
      else if (have_idx("/usr/share/datasets/fashion-mnist")) data = "fashion-mnist";
      else {
        data = "synthetic";
        std::cerr << "demo: no image data found (scripts/fetch-data installs them): using the synthetic table\n";
      }
    }
    if (data != "mnist" && data != "fashion-mnist" && data != "synthetic")
      throw UsageError("--data must be mnist, fashion-mnist or synthetic, got '" + data + "'");
    const bool images = data != "synthetic";
    const int64_t epochs = o->epochs > 0 ? o->epochs : images ? 10 : 50;
    std::error_code ec;
    fs::create_directories(o->out, ec);
    if (ec) throw Error("--out " + o->out + ": cannot create: " + ec.message());
    const std::string exe = self_exe(), run = o->out + "/model", dev = o->device;
    const std::string config = std::string(HG_SOURCE_DIR) + (images ? "/models/configs/mlp784.json" : "/models/configs/tabular.json");
    const std::string normal = images ? "0-8" : "0", anomaly = images ? "9" : "1";

    HtmlReport rep("Hourglass demo: " + data);
    rep.paragraph("Everything below was produced by `hourglass demo --data " + data + "` (Hourglass " HG_VERSION
                  "). The model is the seeds' autoencoder trained on the normal classes " + normal + ".");
    json summary{{"data", data}, {"out", o->out}};
    int failures = 0;
    auto step = [&](const std::string& title, const std::vector<std::string>& args) {
      Step s = run_step(exe, o->out, title, args);
      if (!s.ok) ++failures;
      return s;
    };

    // 1. The model.
    Step tr;
    if (!o->retrain && fs::exists(run + "/checkpoint.safetensors")) {
      std::cerr << "demo: reusing the trained model in " << run << " (--retrain to train again)\n";
      tr.ok = true;
    } else {
      tr = step("training on " + data + " (classes " + normal + ", " + std::to_string(epochs) + " epochs)",
                {"train", "--data", data, "--config", config, "--classes", normal, "--epochs", std::to_string(epochs),
                 "--device", dev, "--out", run, "--force"});
    }
    if (!tr.ok) throw Error("demo: training failed: " + tr.error);
    rep.heading("1. The autoencoder");
    if (!tr.out.empty())
      rep.table({{"epochs", "first loss", "final loss", "samples/s", "device"},
                 {num(tr.out, "epochs", 3), num(tr.out, "first_train_loss"), num(tr.out, "final_train_loss"),
                  num(tr.out, "samples_per_s", 6), tr.out.value("device", std::string("-"))}});
    rep.image(run + "/loss_curve.png", "training and validation loss per epoch");

    // 2. Anomaly detection.
    rep.heading("2. Anomaly detection (normal " + normal + ", anomalous " + anomaly + ")");
    Step fit = step("anomaly detection: fitting the threshold",
                    {"detect", "fit", "--run", run, "--data", data, "--normal-classes", normal, "--score", "mse",
                     "--threshold", "percentile:95", "--device", dev, "--force"});
    Step det = step("anomaly detection: report",
                    {"detect", "report", "--run", run, "--data", data, "--anomaly-classes", anomaly, "--out-dir",
                     o->out + "/detect", "--device", dev, "--force"});
    if (det.ok) {
      rep.table({{"AUROC", "AUPRC", "threshold", "precision", "recall", "F1", "FPR"},
                 {num(det.out, "auroc"), num(det.out, "auprc"), num(det.out, "threshold"), num(det.out, "precision"),
                  num(det.out, "recall"), num(det.out, "f1"), num(det.out, "fpr")}});
      summary["auroc"] = det.out.value("auroc", 0.0);
    } else {
      rep.paragraph("failed: " + det.error + fit.error);
    }
    rep.image(o->out + "/detect/histogram.png", "reconstruction errors of normal and anomalous samples, with the threshold");
    rep.image(o->out + "/detect/roc.png", "ROC curve");
    rep.image(o->out + "/detect/pr.png", "precision-recall curve");
    rep.image(o->out + "/detect/top_anomalies.png", "the highest-scoring samples: inputs, reconstructions, error maps");

    if (images) {
      // 3. Compression and denoising: what the latent code keeps.
      rep.heading("3. Reconstruction, compression and denoising");
      step("reconstructions", {"reconstruct", "--run", run, "--data", data, "--n", "16", "--out", o->out + "/reconstructions.png",
                               "--device", dev, "--force"});
      rep.image(o->out + "/reconstructions.png", "test images (upper rows) and their reconstructions (lower rows)");
      Step cz = step("compression", {"compress", "--run", run, "--data", data, "--out", o->out + "/test.hgz", "--device", dev, "--force"});
      if (cz.ok)
        rep.table({{"bytes/image", "ratio vs 8-bit", "ratio vs float32", "PSNR dB", "SSIM", "JPEG PSNR at same bytes"},
                   {num(cz.out, "bytes_per_image"), num(cz.out, "ratio"), num(cz.out, "ratio_float32"), num(cz.out, "psnr"),
                    num(cz.out, "ssim"), num(cz.out, "jpeg_psnr_at_same_bytes")}});
      else
        rep.paragraph("compression: " + cz.error);
      Step dn = step("denoising", {"denoise", "--run", run, "--data", data, "--noise", "gaussian:0.3", "--out",
                                   o->out + "/denoise.png", "--device", dev, "--force"});
      if (dn.ok)
        rep.table({{"noise", "PSNR noisy", "PSNR denoised", "SSIM noisy", "SSIM denoised"},
                   {"gaussian 0.3", num(dn.out, "psnr_noisy"), num(dn.out, "psnr_denoised"), num(dn.out, "ssim_noisy"),
                    num(dn.out, "ssim_denoised")}});
      else
        rep.paragraph("denoising: " + dn.error);
      rep.image(o->out + "/denoise.png", "noisy (top), denoised (middle), clean (bottom)");
    }

    // 4. Clustering in latent space.
    rep.heading(images ? "4. Clustering: pixels vs PCA vs latent space" : "3. Clustering in latent space");
    std::vector<std::string> cargs{"cluster", "--run", run, "--data", data, "--k", images ? "10" : "2", "--out-dir",
                                   o->out + "/cluster", "--device", dev, "--force"};
    if (images) cargs.insert(cargs.end(), {"--tsne", "--tsne-limit", "2000"});
    Step cl = step("clustering", cargs);
    if (cl.ok) {
      std::vector<std::vector<std::string>> rows{{"space", "method", "dims", "silhouette", "ACC", "NMI", "ARI"}};
      for (const json& s : cl.out["spaces"])
        rows.push_back({s.value("space", std::string()), s.value("method", std::string()), num(s, "dims", 4),
                        num(s, "silhouette"), num(s, "acc"), num(s, "nmi"), num(s, "ari")});
      rep.table(rows);
      rep.paragraph("Fitted on the training split, scored on the test split: " + cl.out.value("verdict", std::string()) +
                    ".");
    } else {
      rep.paragraph("clustering: " + cl.error);
    }
    rep.image(o->out + "/cluster/tsne_labels.png", "t-SNE of the latent codes, coloured by true class");
    rep.image(o->out + "/cluster/tsne_clusters.png", "the same, coloured by cluster (k-means on the map)");
    rep.image(o->out + "/cluster/silhouette.png", "silhouette of the latent-space clusters");
    rep.image(o->out + "/cluster/acc.png", "clustering accuracy per space and method");

    if (images) {
      // 5. Transfer learning.
      rep.heading("5. Transfer learning: a classifier from few labels");
      Step tf = step("transfer learning", {"transfer", "--run", run, "--data", data, "--sweep", "100,1000", "--device", dev});
      if (tf.ok) {
        std::vector<std::vector<std::string>> rows{{"labels", "frozen encoder + linear head", "same network from scratch"}};
        for (const json& r : tf.out["results"])
          rows.push_back({num(r, "labels", 6), num(r, "transfer_accuracy"), num(r, "scratch_accuracy")});
        rep.table(rows);
      } else {
        rep.paragraph("transfer: " + tf.error);
      }
    }
    const std::string html = o->out + "/report.html";
    rep.write(html);
    summary["report"] = html;
    summary["failed_steps"] = failures;
    std::cerr << "\n";
    if (o->json)
      std::cout << summary.dump() << std::endl;
    else
      std::cout << "report: " << html << (failures ? " (" + std::to_string(failures) + " step(s) failed, see above)" : "") << "\n";
    return failures ? 1 : 0;
  };
}

}  // namespace hg::cli
