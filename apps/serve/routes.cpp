#include "apps/serve/routes.h"

#include <sstream>

#include "apps/serve/request_parse.h"
#include "apps/serve/responses.h"
#include "engine/util/interrupt.h"

#if HG_SERVE_ENABLED
namespace hg::serve {

using nlohmann::json;

namespace {

const char* kPaths = "POST /v1/score, POST /v1/reconstruct, GET /v1/health and GET /v1/metadata";

std::string mb_text(double mb) {
  std::ostringstream s;
  s << mb;
  return s.str();
}

// Reads and drops a body nobody will look at (so the connection stays in step).
void drain(const httplib::Request& req, const httplib::ContentReader& reader) {
  if (req.is_multipart_form_data())
    reader([](const httplib::MultipartFormData&) { return true; },
           [](const char*, size_t) { return true; });
  else
    reader([](const char*, size_t) { return true; });
}

// The message for a status httplib set on its own (before any handler wrote a body).
std::string status_message(int status, const httplib::Request& req) {
  const std::string path = req.path.substr(0, 200);
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "no such path: " + path + " (the server answers " + kPaths + ")";
    case 413: return "request body too large";
    case 414: return "request line too long";
    case 416: return "bad Range header";
    default: return "HTTP status " + std::to_string(status);
  }
}

}  // namespace

Routes::Routes(ServeModel& model, Batcher& batcher, const ServeOptions& o)
    : model_(model),
      batcher_(batcher),
      opts_(o),
      D_(model.features()),
      threshold_(model.threshold()),
      metadata_(model.metadata()),
      max_body_(static_cast<size_t>(o.max_body_mb * 1024.0 * 1024.0)) {}

void Routes::refuse(httplib::Response& res, int status, const std::string& message) {
  refused_.fetch_add(1);
  res.status = status;
  res.set_content(error_json(message), "application/json");
}

// The body, at most max_body_ bytes of it; false (and the refusal in res) otherwise.
bool Routes::read_body(const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& reader, std::string& body) {
  if (req.is_multipart_form_data()) {
    drain(req, reader);
    refuse(res, 415,
           "multipart/form-data is not accepted: send application/json or "
           "application/octet-stream");
    return false;
  }
  const size_t announced = req.get_header_value<uint64_t>("Content-Length");
  if (announced <= max_body_) body.reserve(announced);
  bool too_big = false;
  const bool ok = reader([&](const char* data, size_t n) {
    if (!too_big && body.size() + n <= max_body_) {
      body.append(data, n);
    } else if (!too_big) {  // chunked or unannounced: keep reading, keep nothing
      too_big = true;
      std::string().swap(body);
    }
    return true;
  });
  if (too_big || res.status == 413) {
    refuse(res, 413,
           "request body over --max-body-mb " + mb_text(opts_.max_body_mb) + " (" +
               std::to_string(max_body_) + " bytes)");
    return false;
  }
  if (!ok) {
    refuse(res, 400, "request body incomplete (the client stopped sending)");
    return false;
  }
  return true;
}

void Routes::rows(Kind kind, const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& reader) {
  std::string body;
  if (!read_body(req, res, reader, body)) return;
  try {
    Rows r = parse_rows(req.get_header_value("Content-Type"), body, D_);
    std::string().swap(body);
    const int64_t n = r.n;
    const Reply reply = batcher_.submit(kind, std::move(r.x), n).get();
    res.status = 200;
    res.set_content(kind == Kind::Score ? scores_json(reply.scores, threshold_)
                                        : reconstructions_json(reply.recon, n, D_),
                    "application/json");
  } catch (const RequestError& e) {
    refuse(res, e.status(), e.what());
  } catch (const std::exception& e) {
    refuse(res, 500, std::string("scoring failed: ") + e.what());
  }
}

void Routes::metadata(httplib::Response& res) const {
  json j = metadata_;
  const BatchStats s = batcher_.stats();
  j["max_batch"] = opts_.max_batch;
  j["max_wait_ms"] = opts_.max_wait_ms;
  j["max_body_mb"] = opts_.max_body_mb;
  j["connections"] = opts_.connections;
  j["served"] = {{"requests", s.requests},
                 {"rows", s.rows},
                 {"batches", s.batches},
                 {"largest_batch", s.largest_batch},
                 {"refused", refused_.load()}};
  res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void Routes::install(httplib::Server& svr) {
  using Req = httplib::Request;
  using Res = httplib::Response;
  using Reader = httplib::ContentReader;
  svr.Post("/v1/score",
           [this](const Req& q, Res& s, const Reader& r) { rows(Kind::Score, q, s, r); });
  svr.Post("/v1/reconstruct",
           [this](const Req& q, Res& s, const Reader& r) { rows(Kind::Reconstruct, q, s, r); });
  svr.Get("/v1/health",
          [](const Req&, Res& s) { s.set_content("{\"status\":\"ok\"}", "application/json"); });
  svr.Get("/v1/metadata", [this](const Req&, Res& s) { metadata(s); });
  install_refusals(svr);
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const Req& q, Res& s) {
    if (!s.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    s.set_content(error_json(status_message(s.status, q)), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  svr.set_exception_handler([this](const Req&, Res& s, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {}
    refuse(s, 500, "internal error: " + what);
  });
}

// 405 for a known path with the wrong method, 404 for the rest; bodies are read and dropped.
void Routes::install_refusals(httplib::Server& svr) {
  using Req = httplib::Request;
  using Res = httplib::Response;
  using Reader = httplib::ContentReader;
  const std::string post_paths = "/v1/(score|reconstruct)", get_paths = "/v1/(health|metadata)";
  auto wrong = [this](const std::string& allow) {
    return [this, allow](const Req& q, Res& s) {
      s.set_header("Allow", allow);
      refuse(s, 405, q.method + " " + q.path.substr(0, 200) + " is not allowed: use " + allow);
    };
  };
  auto wrong_body = [wrong](const std::string& allow) {
    return [w = wrong(allow)](const Req& q, Res& s, const Reader& r) {
      drain(q, r);
      w(q, s);
    };
  };
  auto missing = [this](const Req& q, Res& s, const Reader& r) {
    drain(q, r);
    refuse(s, 404, status_message(404, q));
  };
  svr.Get(post_paths, wrong("POST"));
  svr.Options(post_paths, wrong("POST"));
  svr.Post(get_paths, wrong_body("GET"));
  svr.Options(get_paths, wrong("GET"));
  for (const std::string& p : {post_paths, get_paths}) {
    const std::string allow = p == post_paths ? "POST" : "GET";
    svr.Put(p, wrong_body(allow));
    svr.Patch(p, wrong_body(allow));
    svr.Delete(p, wrong_body(allow));
  }
  svr.Post(".*", missing);
  svr.Put(".*", missing);
  svr.Patch(".*", missing);
  svr.Delete(".*", missing);
}

}  // namespace hg::serve
#endif
