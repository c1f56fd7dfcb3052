// The server's routes on an httplib::Server: what each path and method answers (server.h lists
// them). Handlers run on httplib's worker threads, many at once: they read and parse the body on
// their own thread and wait for the batcher's answer; the only shared state is the batcher and
// atomic counters. Bodies are read through httplib's ContentReader so that a body over the limit
// (with or without Content-Length) is read and dropped, never kept, and the connection stays
// usable. The ServeModel and Batcher must outlive the server.
#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/serve/batcher.h"
#include "apps/serve/http.h"
#include "apps/serve/server.h"

#if HG_SERVE_ENABLED
namespace hg::serve {

class Routes {
 public:
  Routes(ServeModel& model, Batcher& batcher, const ServeOptions& o);
  void install(httplib::Server& svr);
  int64_t refused() const { return refused_.load(); }

 private:
  void rows(Kind kind, const httplib::Request& req, httplib::Response& res,
            const httplib::ContentReader& reader);
  bool read_body(const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& reader, std::string& body);
  void metadata(httplib::Response& res) const;
  void refuse(httplib::Response& res, int status, const std::string& message);
  void install_refusals(httplib::Server& svr);

  ServeModel& model_;
  Batcher& batcher_;
  const ServeOptions opts_;
  const int64_t D_;
  const std::optional<double> threshold_;
  const nlohmann::json metadata_;  // the model's part, fixed at start
  const size_t max_body_;          // bytes
  std::atomic<int64_t> refused_{0};
};

}  // namespace hg::serve
#endif
