#include "apps/serve/server.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <sstream>
#include <thread>

#include "apps/serve/batcher.h"
#include "apps/serve/http.h"
#include "apps/serve/routes.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::serve {

bool server_available() { return HG_SERVE_ENABLED != 0; }

#if !HG_SERVE_ENABLED

void serve(const ServeOptions&, ServeModel&, std::ostream&, std::ostream&) {
  throw Error("serve: this build has no HTTP server (install libcpp-httplib-dev and rebuild)");
}

#else

namespace {

std::string url_of(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Binds the listening socket; returns the port (o.port, or the one picked for 0).
int bind_port(httplib::Server& svr, const ServeOptions& o) {
  const int port =
      o.port == 0 ? svr.bind_to_any_port(o.host) : (svr.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0)
    throw Error("--host " + o.host + " --port " + std::to_string(o.port) +
                ": cannot listen there (the port is taken, or the host is not an address of "
                "this machine)");
  return port;
}

void configure(httplib::Server& svr, const ServeOptions& o) {
  const size_t workers = static_cast<size_t>(o.connections);
  svr.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  svr.set_tcp_nodelay(true);  // answers go out at once, not after the client's delayed ACK
  svr.set_keep_alive_max_count(1000);
  svr.set_payload_max_length(static_cast<size_t>(o.max_body_mb * 1024.0 * 1024.0));
}

void announce(const ServeOptions& o, const ServeModel& model, int port, std::ostream& out,
              std::ostream& err) {
  const std::optional<double> t = model.threshold();
  std::ostringstream thr;
  if (t)
    thr << *t;
  else
    thr << "none: the run has no detector.json";
  err << "serving " << o.run << " on " << url_of(o.host, port) << " (score " << model.score_text()
      << ", threshold " << thr.str() << ")" << std::endl;
  if (o.json) {
    const nlohmann::json j{{"serving", o.run},
                           {"host", o.host},
                           {"port", port},
                           {"url", url_of(o.host, port)},
                           {"score", model.score_text()},
                           {"threshold", t ? nlohmann::json(*t) : nlohmann::json(nullptr)},
                           {"features", model.features()}};
    out << j.dump() << std::endl;
  }
}

// Polls hg::interrupt until `done`; on a signal it sets the request aside (so the batches in
// flight are still scored), stops the listener and returns the signal.
int watch(httplib::Server& svr, const std::atomic<bool>& done) {
  while (!done.load()) {
    if (interrupt::requested() && svr.is_running()) {
      const int sig = interrupt::signal_number();
      // The handler has put SIGINT/SIGTERM back to their default: a second signal still ends
      // the process at once while the workers drain.
      interrupt::clear();
      svr.stop();
      return sig;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

}  // namespace

void serve(const ServeOptions& o, ServeModel& model, std::ostream& out, std::ostream& err) {
  // A client that hangs up must not end the process: writes to its socket fail instead.
  std::signal(SIGPIPE, SIG_IGN);
  Batcher batcher(model, o.max_batch,
                  std::chrono::microseconds(static_cast<int64_t>(o.max_wait_ms * 1000.0)));
  Routes routes(model, batcher, o);
  httplib::Server svr;
  configure(svr, o);
  routes.install(svr);
  const int port = bind_port(svr, o);
  announce(o, model, port, out, err);
  std::atomic<bool> done{false};
  int sig = 0;
  bool listened = false;
  {
    std::thread watcher([&] { sig = watch(svr, done); });
    // The watcher is joined however the listener ends (a thread left joinable would abort).
    struct Join {
      std::thread& t;
      std::atomic<bool>& done;
      ~Join() {
        done.store(true);
        t.join();
      }
    } join{watcher, done};
    listened = svr.listen_after_bind();  // returns once stopped and drained
  }
  batcher.stop();
  const BatchStats s = batcher.stats();
  if (sig == 0)
    throw Error("serve: the listener on " + url_of(o.host, port) + " stopped unexpectedly" +
                (listened ? "" : " (accept failed)"));
  interrupt::install();  // the request set aside above, restored for main's exit code
  std::raise(sig);
  throw interrupt::Interrupted(
      "serve: stopped by " + interrupt::signal_name() + " after " + std::to_string(s.requests) +
      " scored requests (" + std::to_string(s.rows) + " rows, " + std::to_string(routes.refused()) +
      " refused); every request in flight was answered");
}

#endif

}  // namespace hg::serve
