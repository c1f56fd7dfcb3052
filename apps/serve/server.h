// `hourglass serve`: an HTTP/1.1 server (cpp-httplib) scoring rows with a trained run.
//   POST /v1/score        {"rows": [[...]]} or float32 rows -> {"scores", "flags", "threshold"}
//   POST /v1/reconstruct  the same rows -> {"reconstructions": [[...]]} (raw units)
//   GET  /v1/health       {"status": "ok"}
//   GET  /v1/metadata     run, model, shape, score, threshold, limits, version, counters
// Every refusal is a status with a one-line {"error": "..."}: 400 (bad rows, request_parse.h),
// 404, 405, 413 (body over the limit), 415 (Content-Type), 500 (the model failed).
//
// Threads: httplib serves each connection on one of `connections` worker threads, which read and
// parse their requests in parallel; the rows go to one Batcher (batcher.h), whose thread alone
// calls the model. A watcher thread polls hg::interrupt: on SIGINT or SIGTERM it stops the
// listener, the workers finish the requests in flight (their batches are still scored: the
// interrupt request is set aside while they drain and restored after), and serve() throws
// interrupt::Interrupted, which main turns into exit code 130 or 143.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

#include "apps/serve/serve_model.h"

namespace hg::serve {

struct ServeOptions {
  std::string run, host = "127.0.0.1";
  int port = 8080;  // 0: any free port (reported in the ready line)
  int64_t max_batch = 256;
  double max_wait_ms = 2.0;
  double max_body_mb = 16.0;
  int connections = 64;  // worker threads: connections served at once
  bool json = false;     // the ready line on stdout as JSON
};

// Whether this build has the server (apps/serve/http.h).
bool server_available();

// Binds, prints the startup line on `err` (and with o.json the ready JSON on `out`), and serves
// until a signal; then drains and throws interrupt::Interrupted. Error when it cannot listen.
void serve(const ServeOptions& o, ServeModel& model, std::ostream& out, std::ostream& err);

}  // namespace hg::serve
