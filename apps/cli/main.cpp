// hourglass: the command-line front end. Errors become one line on stderr and exit code 1
// (2 for usage errors); nothing is allowed to abort.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include "apps/cli/commands.h"
#include "engine/dist/comm.h"
#include "engine/ops/kernel_select.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace {

// CLI11's "Could not convert: --seed = abc" as "--seed: 'abc' is not a valid value".
std::string conversion_message(const std::string& what) {
  const std::string prefix = "Could not convert: ";
  const size_t eq = what.find(" = ");
  if (what.rfind(prefix, 0) != 0 || eq == std::string::npos) return what;
  const std::string flag = what.substr(prefix.size(), eq - prefix.size());
  return flag + ": '" + what.substr(eq + 3) + "' is not a valid value";
}

// The subcommands that split their work across mpirun's ranks (train: data-parallel; embed and
// detect score: rows), and info.
bool runs_under_mpirun(const CLI::App& sub) {
  const std::string name = sub.get_name();
  if (name == "detect") {
    const auto subs = sub.get_subcommands();
    return !subs.empty() && subs.front()->get_name() == "score";
  }
  return name == "train" || name == "embed" || name == "info";
}

// Runs the subcommand that was parsed; a signal that stopped it (or arrived as it finished)
// turns into exit code 130 (SIGINT) or 143 (SIGTERM).
int run_parsed(const std::map<CLI::App*, hg::cli::Action>& actions) {
  hg::interrupt::install();  // every subcommand: Ctrl-C and SIGTERM stop at a safe point
  for (const auto& [sub, action] : actions) {
    if (!sub->parsed()) continue;
    if (hg::dist::size() > 1 && !runs_under_mpirun(*sub))
      throw hg::UsageError(sub->get_name() +
                           ": only train, embed and detect score run under mpirun (" +
                           std::to_string(hg::dist::size()) + " ranks); run it without mpirun");
    const int rc = action();
    if (!hg::interrupt::requested()) return rc;
    if (rc == 0)  // the signal came after the last safe point: everything was written
      std::cerr << "hourglass: " << hg::interrupt::signal_name()
                << " arrived as the work finished; every output is complete\n";
    return hg::interrupt::exit_code();
  }
  return 2;
}

// The kernel named by the flag, else by the environment variable: checked either way (an unknown
// name in $HG_GEMM is an error naming the variable, not ignored).
void set_kernel(const std::string& flag_value, const char* env, void (*set)(const std::string&)) {
  const char* from_env = std::getenv(env);
  if (!flag_value.empty() || !from_env || !*from_env) return set(flag_value);
  try {
    set(from_env);
  } catch (const hg::UsageError& e) {
    throw hg::UsageError(std::string("$") + env + "=" + from_env + ": " + e.what());
  }
}

// Every subcommand, with the kernel choices shared by those that compute (checked before the
// action runs).
struct Commands {
  std::map<CLI::App*, hg::cli::Action> actions;
  std::string gemm, conv;
};

void register_commands(CLI::App& app, Commands& c) {
  auto add = [&](hg::cli::Action (*fn)(CLI::App&), const char* name, const char* help,
                 bool computes) {
    CLI::App* sub = app.add_subcommand(name, help);
    c.actions[sub] = fn(*sub);
    if (computes) {
      sub->add_option("--gemm", c.gemm,
                      "GEMM kernel: hg (CPU); hg-naive ... hg-warptile, hg-tf32, cublas, "
                      "cublas-tf32 (CUDA); default the fastest of ours, or $HG_GEMM");
      sub->add_option("--conv", c.conv,
                      "Convolution algorithm: auto, im2col, direct (CPU); hg-direct, hg-im2col, "
                      "hg-implicit, cudnn (CUDA); default by shape, or $HG_CONV");
    }
  };
  add(hg::cli::add_train, "train", "Train an autoencoder into a run folder", true);
  add(hg::cli::add_eval, "eval", "Reconstruction loss of a trained run on a data set", true);
  add(hg::cli::add_reconstruct, "reconstruct", "Picture of inputs above their reconstructions",
      true);
  add(hg::cli::add_generate, "generate",
      "Images sampled from a VAE, or a latent walk between two inputs", true);
  add(hg::cli::add_detect, "detect", "Anomaly detection: fit, score, report, bench-oneclass", true);
  add(hg::cli::add_analyze, "analyze",
      "Host-side tools on any table: pca, kmeans, silhouette, tsne", false);
  add(hg::cli::add_embed, "embed", "Latent codes of a data set as CSV or .npy", true);
  add(hg::cli::add_cluster, "cluster",
      "k-means in pixel, PCA and latent space with silhouette, ACC, NMI, ARI", true);
  add(hg::cli::add_transfer, "transfer",
      "A classifier on the encoder from few labels vs training from scratch", true);
  add(hg::cli::add_denoise, "denoise",
      "Corrupt images, denoise them with a trained run, and measure PSNR/SSIM", true);
  add(hg::cli::add_compress, "compress",
      "Latent codes of a data set in an .hgz file, with PSNR, SSIM and baselines", true);
  add(hg::cli::add_decompress, "decompress",
      "Images back from an .hgz file with the run that wrote it", true);
  add(hg::cli::add_demo, "demo",
      "The seeds' main: train, then every application, into one report.html", false);
  add(hg::cli::add_retrieve, "retrieve",
      "Semantic hashing: Hamming-distance retrieval with binarised codes vs LSH", true);
  add(hg::cli::add_active, "active",
      "Active learning: which labels to ask for, against random sampling", true);
  add(hg::cli::add_sweep, "sweep",
      "Variants of a config (latent size, depth, ...) trained and compared on the tasks", true);
  add(hg::cli::add_upscale, "upscale",
      "Super-resolution: a downsample-trained run against bicubic and nearest", true);
  add(hg::cli::add_export, "export", "A trained run as a standard ONNX graph", false);
  add(hg::cli::add_serve, "serve", "An HTTP server scoring rows with a trained run", false);
  add(hg::cli::add_info, "info", "Version, build options, devices and threads", false);
}

}  // namespace

int main(int argc, char** argv) {
  hg::dist::init(&argc, &argv);  // under mpirun: this process is one rank of a data-parallel run
  CLI::App app{"Hourglass: autoencoders on CPU and GPU, from training to applications"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("hourglass ") + HG_VERSION);
  Commands cmds;
  register_commands(app, cmds);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << "hourglass " << HG_VERSION << "\n";
    return 0;
  } catch (const CLI::ConversionError& e) {
    std::cerr << "hourglass: " << conversion_message(e.what()) << " (see hourglass --help)\n";
    return 2;
  } catch (const CLI::ParseError& e) {
    std::cerr << "hourglass: " << e.what() << " (see hourglass --help)\n";
    return 2;
  }
  try {
    set_kernel(cmds.gemm, "HG_GEMM", hg::ops::set_gemm_kernel);
    set_kernel(cmds.conv, "HG_CONV", hg::ops::set_conv_algo);
    return run_parsed(cmds.actions);
  } catch (const hg::interrupt::Interrupted& e) {
    std::cerr << "hourglass: " << e.what() << "\n";
    return hg::interrupt::exit_code();
  } catch (const hg::UsageError& e) {
    std::cerr << "hourglass: " << e.what() << "\n";
    return 2;
  } catch (const hg::Error& e) {
    std::cerr << "hourglass: " << e.what() << "\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {  // a path the code did not guard
    std::cerr << "hourglass: " << e.path1().string() << ": " << e.code().message() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "hourglass: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "hourglass: internal error: " << e.what() << "\n";
    return 1;
  }
}
