// hourglass: the command-line front end. Errors become one line on stderr and exit code 1
// (2 for usage errors); nothing is allowed to abort.
#include <cstdio>
#include <iostream>
#include <map>

#include "apps/cli/commands.h"
#include "engine/util/error.h"

int main(int argc, char** argv) {
  CLI::App app{"Hourglass: autoencoders on CPU and GPU, from training to applications"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("hourglass ") + HG_VERSION);
  std::map<CLI::App*, hg::cli::Action> actions;
  auto add = [&](hg::cli::Action (*fn)(CLI::App&), const char* name, const char* help) {
    CLI::App* sub = app.add_subcommand(name, help);
    actions[sub] = fn(*sub);
  };
  add(hg::cli::add_train, "train", "Train an autoencoder into a run folder");
  add(hg::cli::add_eval, "eval", "Reconstruction loss of a trained run on a data set");
  add(hg::cli::add_info, "info", "Version, build options, devices and threads");

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
  } catch (const CLI::ParseError& e) {
    std::cerr << "hourglass: " << e.what() << " (see hourglass --help)\n";
    return 2;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
    return 2;
  } catch (const hg::UsageError& e) {
    std::cerr << "hourglass: " << e.what() << "\n";
    return 2;
  } catch (const hg::Error& e) {
    std::cerr << "hourglass: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "hourglass: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "hourglass: internal error: " << e.what() << "\n";
    return 1;
  }
}
