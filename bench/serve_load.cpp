// Load generator for `hourglass serve` (bench/serve-load starts the server and runs this).
// C keep-alive clients each send R-row requests of real rows (Fashion-MNIST test images by
// default) back to back for S seconds, while one more client sends M malformed requests spread
// over the same time. Every good answer is checked against a reference taken first, one request
// at a time; every malformed one must be refused with a 4xx and a JSON error. Prints scored rows/s,
// requests/s, p50/p99/max latency, failed requests, wrong answers and malformed requests that got
// anything but a refusal; --json adds one JSON line.
//
//   serve_load --port P [--host 127.0.0.1] [--clients 32] [--rows 64] [--seconds 10]
//              [--malformed 1000] [--format binary|json] [--data fashion-mnist] [--json]
//
// Threads: one per client; each owns its connection and its counters, summed at the end.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/run/run_data.h"
#include "apps/serve/http.h"

#if !HG_SERVE_ENABLED
int main() {
  std::cerr << "serve_load: this build has no HTTP client (install libcpp-httplib-dev)\n";
  return 1;
}
#else

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1", format = "binary", data = "fashion-mnist";
  int port = 0, clients = 32, rows = 64, malformed = 1000;
  double seconds = 10;
  bool json = false;
};

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + ": needs a value");
      return argv[++i];
    };
    if (a == "--host")
      o.host = next();
    else if (a == "--port")
      o.port = std::stoi(next());
    else if (a == "--clients")
      o.clients = std::stoi(next());
    else if (a == "--rows")
      o.rows = std::stoi(next());
    else if (a == "--seconds")
      o.seconds = std::stod(next());
    else if (a == "--malformed")
      o.malformed = std::stoi(next());
    else if (a == "--format")
      o.format = next();
    else if (a == "--data")
      o.data = next();
    else if (a == "--json")
      o.json = true;
    else
      throw std::runtime_error("unknown argument " + a);
  }
  if (o.port <= 0 || o.clients < 1 || o.rows < 1 || o.seconds <= 0)
    throw std::runtime_error("--port, --clients, --rows and --seconds must be positive");
  if (o.format != "binary" && o.format != "json")
    throw std::runtime_error("--format must be binary or json");
  return o;
}

std::unique_ptr<httplib::Client> connect(const Options& o) {
  auto c = std::make_unique<httplib::Client>(o.host, o.port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_read_timeout(60, 0);
  return c;
}

// The request bodies: blocks of o.rows consecutive rows of the data set.
struct Workload {
  int64_t D = 0;
  std::vector<std::string> bodies;
  std::vector<std::vector<double>> reference;  // scores of each block, one request at a time
  std::string type;
};

std::string body_of(const float* x, int64_t n, int64_t D, bool binary) {
  if (binary) return std::string(reinterpret_cast<const char*>(x), n * D * sizeof(float));
  std::string s = "{\"rows\":[";
  char buf[32];
  for (int64_t i = 0; i < n * D; ++i) {
    s += i % D == 0 ? (i ? "],[" : "[") : ",";
    s.append(buf, static_cast<size_t>(std::snprintf(buf, sizeof buf, "%.9g", x[i])));
  }
  return s + "]]}";
}

Workload make_workload(const Options& o, httplib::Client& c) {
  Workload w;
  auto meta = c.Get("/v1/metadata");
  if (!meta || meta->status != 200) throw std::runtime_error("GET /v1/metadata failed");
  w.D = json::parse(meta->body).at("features").get<int64_t>();
  hg::run::DataRequest q;
  q.spec = o.data;
  const hg::data::Dataset d = hg::run::load_selection(q, w.D, "serve_load");
  const int64_t blocks = std::min<int64_t>(64, d.n / o.rows);
  if (blocks < 1) throw std::runtime_error("--data has fewer rows than --rows");
  w.type = o.format == "binary" ? "application/octet-stream" : "application/json";
  for (int64_t b = 0; b < blocks; ++b) {
    w.bodies.push_back(body_of(d.x.data() + b * o.rows * w.D, o.rows, w.D, o.format == "binary"));
    auto r = c.Post("/v1/score", w.bodies.back(), w.type.c_str());
    if (!r || r->status != 200) throw std::runtime_error("reference request failed");
    w.reference.push_back(json::parse(r->body).at("scores").get<std::vector<double>>());
  }
  return w;
}

struct Tally {
  int64_t ok = 0, failed = 0, wrong = 0, rows = 0;
  std::vector<double> latency_ms;
};

bool same_scores(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > 1e-6 * std::max(1.0, std::fabs(b[i]))) return false;
  return true;
}

void client_loop(const Options& o, const Workload& w, int id, Clock::time_point end, Tally& t) {
  auto c = connect(o);
  c->Get("/v1/health");  // connect before the clock matters
  for (size_t k = static_cast<size_t>(id) * 7; Clock::now() < end; ++k) {
    const size_t b = k % w.bodies.size();
    const auto t0 = Clock::now();
    auto r = c->Post("/v1/score", w.bodies[b], w.type.c_str());
    t.latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r || r->status != 200) {
      ++t.failed;
      continue;
    }
    const json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains("scores") ||
        !same_scores(j["scores"].get<std::vector<double>>(), w.reference[b])) {
      ++t.wrong;
      continue;
    }
    ++t.ok;
    t.rows += o.rows;
  }
}

// Bad bodies of several kinds, sent evenly over the run; counts answers that are not a 4xx
// with a JSON error.
int64_t malformed_loop(const Options& o, const Workload& w, Clock::time_point end) {
  const std::string row_of_5 = "{\"rows\": [[1, 2, 3, 4, 5]]}";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{\"rows\": [[1, 2", "application/json"},
      {row_of_5, "application/json"},
      {"{\"rows\": [[NaN]]}", "application/json"},
      {"{\"rows\": 7}", "application/json"},
      {std::string(4 * w.D + 3, '\0'), "application/octet-stream"},
      {"", "application/json"},
      {"rows", "text/plain"}};
  auto c = connect(o);
  const auto start = Clock::now();
  const auto step = (end - start) / std::max(1, o.malformed);
  int64_t unexpected = 0;
  for (int i = 0; i < o.malformed; ++i) {
    std::this_thread::sleep_until(start + step * i);
    const auto& [body, type] = bad[static_cast<size_t>(i) % bad.size()];
    auto r = c->Post("/v1/score", body, type.c_str());
    const bool refused = r && r->status >= 400 && r->status < 500 &&
                         json::parse(r->body, nullptr, false).contains("error");
    unexpected += !refused;
  }
  return unexpected;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())))];
}

void report(const Options& o, std::vector<Tally>& tallies, int64_t malformed_bad, double secs) {
  Tally all;
  for (Tally& t : tallies) {
    all.ok += t.ok, all.failed += t.failed, all.wrong += t.wrong, all.rows += t.rows;
    all.latency_ms.insert(all.latency_ms.end(), t.latency_ms.begin(), t.latency_ms.end());
  }
  const double rows_s = static_cast<double>(all.rows) / secs;
  const double p50 = percentile(all.latency_ms, 50), p99 = percentile(all.latency_ms, 99);
  const double worst = all.latency_ms.empty() ? 0 : all.latency_ms.back();
  std::printf(
      "%d clients x %d-row %s requests for %.1f s: %.0f rows/s (%.0f requests/s), latency p50 "
      "%.2f ms, p99 %.2f ms, max %.2f ms; failed %lld, wrong %lld; %d malformed sent, %lld not "
      "refused\n",
      o.clients, o.rows, o.format.c_str(), secs, rows_s, static_cast<double>(all.ok) / secs, p50,
      p99, worst, static_cast<long long>(all.failed), static_cast<long long>(all.wrong),
      o.malformed, static_cast<long long>(malformed_bad));
  if (o.json)
    std::cout << json{{"clients", o.clients},
                      {"rows_per_request", o.rows},
                      {"format", o.format},
                      {"seconds", secs},
                      {"rows_per_s", rows_s},
                      {"requests_per_s", all.ok / secs},
                      {"p50_ms", p50},
                      {"p99_ms", p99},
                      {"max_ms", worst},
                      {"failed", all.failed},
                      {"wrong", all.wrong},
                      {"malformed_sent", o.malformed},
                      {"malformed_not_refused", malformed_bad}}
                     .dump()
              << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse_args(argc, argv);
    auto c = connect(o);
    const Workload w = make_workload(o, *c);
    std::vector<Tally> tallies(static_cast<size_t>(o.clients));
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(o.seconds));
    std::vector<std::thread> threads;
    for (int i = 0; i < o.clients; ++i)
      threads.emplace_back([&, i] { client_loop(o, w, i, end, tallies[static_cast<size_t>(i)]); });
    int64_t malformed_bad = 0;
    std::thread bad([&] { malformed_bad = malformed_loop(o, w, end); });
    for (auto& t : threads) t.join();
    bad.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    report(o, tallies, malformed_bad, secs);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "serve_load: " << e.what() << "\n";
    return 1;
  }
}

#endif
