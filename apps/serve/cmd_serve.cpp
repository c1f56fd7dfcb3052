// hourglass serve: the flags of the scoring server (apps/serve/server.h), checked before the run
// is loaded; a build without cpp-httplib keeps the command and says what to install.
#include <iostream>
#include <memory>

#include "apps/cli/commands.h"
#include "apps/cli/flags.h"
#include "apps/serve/serve_model.h"
#include "apps/serve/server.h"
#include "engine/util/error.h"

namespace hg::cli {

Action add_serve(CLI::App& app) {
  struct Opts {
    serve::ServeOptions s;
    std::string device = "auto";
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--run", o->s.run, "Run folder (its detector.json when it has one)")->required();
  app.add_option("--host", o->s.host, "Address to listen on (0.0.0.0: every interface)")
      ->default_val("127.0.0.1");
  app.add_option("--port", o->s.port, "TCP port (0: any free port, reported when ready)")
      ->default_val(8080)
      ->check(whole_number_in(0, 65535));
  app.add_option("--max-batch", o->s.max_batch, "Most rows scored in one model call")
      ->default_val(256)
      ->check(whole_number_in(1, 1 << 20));
  app.add_option("--max-wait-ms", o->s.max_wait_ms,
                 "How long a batch waits for more rows after its first request")
      ->default_val(2.0)
      ->check(real_in(0, false, 10000));
  app.add_option("--max-body-mb", o->s.max_body_mb, "Largest request body (larger: 413)")
      ->default_val(16.0)
      ->check(real_in(0, true, 4096));
  app.add_option("--connections", o->s.connections,
                 "Connections served at once (one worker thread each)")
      ->default_val(64)
      ->check(whole_number_in(1, 4096));
  app.add_option("--device", o->device, "auto, cpu or cuda")->default_val("auto");
  app.add_option("--threads", o->threads, "CPU threads of the model (0: all cores)")
      ->check(seed_value());
  app.add_flag("--json", o->s.json, "Print a JSON line (host, port, url) on stdout when ready");
  return [o]() {
    if (!serve::server_available())
      throw Error("serve: this build has no HTTP server (install libcpp-httplib-dev and rebuild)");
    if (o->s.host.empty()) throw UsageError("--host: must not be empty");
    const Device device = start_compute(o->threads, o->device);
    std::unique_ptr<serve::ServeModel> model = serve::ServeModel::load(o->s.run, device);
    serve::serve(o->s, *model, std::cout, std::cerr);
    return 0;
  };
}

}  // namespace hg::cli
