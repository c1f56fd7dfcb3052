// hourglass serve from the outside: the binary runs as a child process (--port 0 --json; the
// ready line gives the port) and is driven over loopback with httplib's client. Scores must equal
// `hourglass detect score` for the same rows, concurrent clients must get the answers a single
// client gets, every bad request is refused with a one-line JSON error while the server keeps
// serving, and SIGTERM drains and exits 143. The child is killed whatever a test does.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/run/run_data.h"
#include "apps/serve/http.h"
#include "cli_runner.h"

namespace hg::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
const std::string kTabular = std::string(HG_SOURCE_DIR) + "/models/configs/tabular.json";

TEST(ServeCli, FlagErrorsAreOneLineUsageErrors) {
  expect_one_line_error(run_cli("serve --run x --port 70000"), 2, "--port");
  expect_one_line_error(run_cli("serve --run x --max-batch 0"), 2, "--max-batch");
  expect_one_line_error(run_cli("serve --run x --max-wait-ms -1"), 2, "--max-wait-ms");
  expect_one_line_error(run_cli("serve --run x --max-body-mb 0"), 2, "--max-body-mb");
  expect_one_line_error(run_cli("serve --port 0"), 2, "--run");
#if HG_SERVE_ENABLED
  expect_one_line_error(run_cli("serve --run no_such_run --device cpu --port 0"), 1,
                        "--run no_such_run: no such folder");
#else
  expect_one_line_error(run_cli("serve --run x"), 1, "install libcpp-httplib-dev");
#endif
}

#if HG_SERVE_ENABLED

// A server that hangs up must fail the client's write, not end the test program.
const bool kNoSigpipe = (std::signal(SIGPIPE, SIG_IGN), true);

// A run of the tabular model on the normal rows of the synthetic table (10 features, standard
// scaler), trained once per process.
const std::string& plain_run() {
  static const std::string run = [] {
    auto r = run_cli("train --data synthetic --config " + kTabular +
                     " --classes 0 --epochs 3 --min-steps 1 --device cpu --threads 2 "
                     "--out serve_plain --force");
    EXPECT_EQ(r.code, 0) << r.err;
    return scratch_dir() + "/serve_plain";
  }();
  return run;
}

// The server as a child process: started with its arguments, ready once it printed its JSON
// line, killed (SIGKILL) by the destructor unless a test stopped it.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& args) {
    const char* bin = std::getenv("HG_HOURGLASS_BIN");
    const std::string exe = bin ? bin : std::string(HG_BINARY_DIR) + "/hourglass";
    static int counter = 0;
    err_path_ = scratch_dir() + "/serve" + std::to_string(counter++) + ".err";
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      const std::string cmd = "exec " + exe + " serve " + args + " 2>" + err_path_;
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    out_fd_ = out[0];
    const std::string line = read_line(60000);
    if (line.empty()) {
      stop(SIGKILL, 5000);
      throw std::runtime_error("the server printed no ready line: " + err());
    }
    ready_ = json::parse(line);
    port_ = ready_.at("port").get<int>();
  }
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
  }
  int port() const { return port_; }
  const json& ready() const { return ready_; }
  std::string err() const { return slurp(err_path_); }

  // Sends sig; the exit code (128 + signal for a killed process), -1 when still running after
  // timeout_ms.
  int stop(int sig, int timeout_ms) {
    ::kill(pid_, sig);
    for (int waited = 0; waited < timeout_ms; waited += 10) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  std::string read_line(int timeout_ms) {
    std::string line;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(out_fd_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return "";
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, port_ = 0;
  bool exited_ = false;
  json ready_;
  std::string err_path_;
};

// The synthetic table's rows, raw (as a client sends them).
const data::Dataset& table() {
  static const data::Dataset d = [] {
    run::DataRequest q;
    q.spec = "synthetic";
    return run::load_selection(q, 10, "synthetic");
  }();
  return d;
}

std::vector<float> rows_of(int64_t first, int64_t n) {
  const auto& x = table().x;
  return std::vector<float>(x.begin() + first * 10, x.begin() + (first + n) * 10);
}

std::string json_body(const std::vector<float>& x, int64_t D) {
  std::ostringstream s;
  s.precision(9);
  s << "{\"rows\": [";
  for (size_t i = 0; i < x.size(); ++i) s << (i % D == 0 ? (i ? "], [" : "[") : ", ") << x[i];
  s << "]]}";
  return s.str();
}

std::string binary_body(const std::vector<float>& x) {
  return std::string(reinterpret_cast<const char*>(x.data()), x.size() * sizeof(float));
}

std::unique_ptr<httplib::Client> client(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_read_timeout(30, 0);
  return c;
}

// POSTs a body; the status and the parsed answer (status -1 when the request failed).
std::pair<int, json> post(httplib::Client& c, const std::string& path, const std::string& body,
                          const std::string& type) {
  auto r = c.Post(path.c_str(), body, type.c_str());
  if (!r) return {-1, json()};
  return {r->status, json::parse(r->body, nullptr, false)};
}

json get_json(httplib::Client& c, const std::string& path) {
  auto r = c.Get(path.c_str());
  EXPECT_TRUE(r && r->status == 200) << path;
  return r ? json::parse(r->body, nullptr, false) : json();
}

std::vector<double> scores_of(httplib::Client& c, const std::vector<float>& x, bool binary) {
  auto [status, j] = binary ? post(c, "/v1/score", binary_body(x), "application/octet-stream")
                            : post(c, "/v1/score", json_body(x, 10), "application/json");
  EXPECT_EQ(status, 200) << j.dump();
  return status == 200 ? j.at("scores").get<std::vector<double>>() : std::vector<double>();
}

// The scores column of a `detect score` CSV (index,label,score,anomaly).
std::vector<double> csv_scores(const std::string& path) {
  std::istringstream in(slurp(path));
  std::string line;
  std::getline(in, line);
  std::vector<double> s;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string cell;
    for (int k = 0; k < 3; ++k) std::getline(f, cell, ',');
    s.push_back(std::stod(cell));
  }
  return s;
}

// A copy of the plain run with an mse detector fitted, and `detect score`'s scores of the table.
struct DetectorRun {
  std::string dir;
  double threshold = 0;
  std::vector<double> scores;
};
const DetectorRun& detector_run() {
  static const DetectorRun d = [] {
    DetectorRun r;
    r.dir = scratch_dir() + "/serve_det";
    fs::remove_all(r.dir);
    fs::copy(plain_run(), r.dir, fs::copy_options::recursive);
    auto fit = run_cli("detect fit --run " + r.dir +
                       " --data synthetic --normal-classes 0 --score mse --device cpu --json");
    EXPECT_EQ(fit.code, 0) << fit.err;
    r.threshold = last_json(fit).at("threshold").get<double>();
    auto sc = run_cli("detect score --run " + r.dir +
                      " --data synthetic --out serve_scores.csv --force --device cpu");
    EXPECT_EQ(sc.code, 0) << sc.err;
    r.scores = csv_scores(scratch_dir() + "/serve_scores.csv");
    return r;
  }();
  return d;
}

void expect_near_all(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], tol * std::max(1.0, std::fabs(b[i]))) << "row " << i;
}

TEST(ServeCli, HealthMetadataAndScoresEqualDetectScore) {
  const DetectorRun& det = detector_run();
  ASSERT_EQ(det.scores.size(), static_cast<size_t>(table().n));
  ServerProcess srv("--run " + det.dir + " --port 0 --json --device cpu --threads 2");
  EXPECT_EQ(srv.ready().at("features"), 10);
  EXPECT_NE(srv.err().find("(score mse, threshold "), std::string::npos) << srv.err();
  auto c = client(srv.port());
  EXPECT_EQ(get_json(*c, "/v1/health"), json({{"status", "ok"}}));
  const json meta = get_json(*c, "/v1/metadata");
  EXPECT_EQ(meta.at("features"), 10);
  EXPECT_EQ(meta.at("input_shape"), json({10}));
  EXPECT_TRUE(meta.at("detector").get<bool>());
  EXPECT_EQ(meta.at("score"), "mse");
  EXPECT_EQ(meta.at("max_batch"), 256);
  EXPECT_DOUBLE_EQ(meta.at("threshold").get<double>(), det.threshold);
  EXPECT_TRUE(meta.contains("latent_dim") && meta.contains("version") && meta.contains("model"));

  // The whole table in requests of 150 rows, as JSON and as float32.
  std::vector<double> js, bin;
  for (int64_t first = 0; first < table().n; first += 150) {
    const auto x = rows_of(first, std::min<int64_t>(150, table().n - first));
    for (double v : scores_of(*c, x, false)) js.push_back(v);
    for (double v : scores_of(*c, x, true)) bin.push_back(v);
  }
  expect_near_all(js, det.scores, 1e-5);
  expect_near_all(bin, det.scores, 1e-5);
  auto [status, j] = post(*c, "/v1/score", binary_body(rows_of(0, 50)), "application/octet-stream");
  ASSERT_EQ(status, 200);
  for (size_t i = 0; i < 50; ++i)
    EXPECT_EQ(j["flags"][i].get<bool>(), j["scores"][i].get<double>() > det.threshold);
  EXPECT_DOUBLE_EQ(j["threshold"].get<double>(), det.threshold);
}

TEST(ServeCli, PlainRunScoresMseWithoutThresholdAndReconstructs) {
  const DetectorRun& det = detector_run();  // the same weights, scored through its detector
  ServerProcess srv("--run " + plain_run() + " --port 0 --json --device cpu --threads 2");
  EXPECT_TRUE(srv.ready().at("threshold").is_null());
  EXPECT_NE(srv.err().find("threshold none"), std::string::npos) << srv.err();
  auto c = client(srv.port());
  const json meta = get_json(*c, "/v1/metadata");
  EXPECT_FALSE(meta.at("detector").get<bool>());
  EXPECT_TRUE(meta.at("threshold").is_null());
  const auto x = rows_of(100, 40);
  auto [status, j] = post(*c, "/v1/score", json_body(x, 10), "application/json");
  ASSERT_EQ(status, 200) << j.dump();
  EXPECT_TRUE(j.at("flags").is_null());
  EXPECT_TRUE(j.at("threshold").is_null());
  expect_near_all(j.at("scores").get<std::vector<double>>(),
                  std::vector<double>(det.scores.begin() + 100, det.scores.begin() + 140), 1e-5);
  auto [rs, rj] = post(*c, "/v1/reconstruct", binary_body(x), "application/octet-stream");
  ASSERT_EQ(rs, 200);
  const auto recon = rj.at("reconstructions");
  ASSERT_EQ(recon.size(), 40u);
  // Raw units: the mean squared error of a reconstruction, in the scaler's units, is the score;
  // here only that it is a row of D finite numbers near its input's scale.
  for (const auto& row : recon) ASSERT_EQ(row.size(), 10u);
  auto [js2, rj2] = post(*c, "/v1/reconstruct", json_body(x, 10), "application/json");
  ASSERT_EQ(js2, 200);
  for (size_t i = 0; i < 40; ++i)
    for (size_t k = 0; k < 10; ++k)
      ASSERT_NEAR(rj2["reconstructions"][i][k].get<double>(), recon[i][k].get<double>(), 1e-5);
}

TEST(ServeCli, ConcurrentClientsGetTheSingleClientAnswers) {
  ServerProcess srv("--run " + plain_run() + " --port 0 --json --device cpu --max-wait-ms 5");
  auto c = client(srv.port());
  const int64_t kRows = 8, kBlocks = 40;
  std::vector<std::vector<double>> ref;
  for (int64_t b = 0; b < kBlocks; ++b)
    ref.push_back(scores_of(*c, rows_of(b * kRows, kRows), true));
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t)
    threads.emplace_back([&, t] {
      auto mine = client(srv.port());
      for (int k = 0; k < 12; ++k) {
        const int64_t b = (t * 7 + k) % kBlocks;
        const bool binary = (t + k) % 2 == 0;
        const auto x = rows_of(b * kRows, kRows);
        auto [status, j] =
            binary ? post(*mine, "/v1/score", binary_body(x), "application/octet-stream")
                   : post(*mine, "/v1/score", json_body(x, 10), "application/json");
        if (status != 200) {
          failed++;
          continue;
        }
        const auto s = j.at("scores").get<std::vector<double>>();
        for (size_t i = 0; i < s.size(); ++i)
          if (std::fabs(s[i] - ref[b][i]) > 1e-6 * std::max(1.0, std::fabs(ref[b][i]))) wrong++;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  const json served = get_json(*c, "/v1/metadata").at("served");
  EXPECT_EQ(served.at("requests"), kBlocks + 32 * 12);
  // Requests of different clients shared model calls.
  EXPECT_LT(served.at("batches").get<int64_t>(), served.at("requests").get<int64_t>()) << served;
}

// One refused request: its status and a one-line error containing `needle`.
void expect_refused(httplib::Client& c, const std::string& body, const std::string& type,
                    int status, const std::string& needle, const std::string& path = "/v1/score") {
  auto r = c.Post(path.c_str(), body, type.c_str());
  ASSERT_TRUE(r) << needle;
  EXPECT_EQ(r->status, status) << r->body;
  const json j = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
  EXPECT_NE(j["error"].get<std::string>().find(needle), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find('\n'), std::string::npos);
}

TEST(ServeCli, BadRequestsAreRefusedInOneLine) {
  ServerProcess srv("--run " + plain_run() + " --port 0 --json --device cpu --max-body-mb 1");
  auto c = client(srv.port());
  const std::string J = "application/json", B = "application/octet-stream";
  expect_refused(*c, "{\"rows\": [[1, 2", J, 400, "malformed JSON");
  expect_refused(*c, "{\"rows\": [[NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9]]}", J, 400, "malformed JSON");
  expect_refused(*c, "[1, 2]", J, 400, "must be a JSON object");
  expect_refused(*c, "{\"data\": []}", J, 400, "missing \"rows\"");
  expect_refused(*c, "{\"rows\": [1, 2, 3]}", J, 400, "row 0 is a number");
  expect_refused(*c, "{\"rows\": []}", J, 400, "\"rows\" is empty");
  const std::string ten = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
  expect_refused(*c, "{\"rows\": [" + ten + ", [1, 2, 3, 4, 5]]}", J, 400,
                 "row 1 has 5 values, the model takes 10");
  expect_refused(*c, "{\"rows\": [" + ten + ", [0, 1, 2, 1e39, 4, 5, 6, 7, 8, 9]]}", J, 400,
                 "row 1, value 3 is not a finite float32");
  expect_refused(*c, "{\"rows\": [[0, 1, \"2\", 3, 4, 5, 6, 7, 8, 9]]}", J, 400,
                 "row 0, value 2 is a string");
  std::vector<float> nan_row = rows_of(0, 2);
  nan_row[13] = std::nanf("");
  expect_refused(*c, binary_body(nan_row), B, 400, "row 1, value 3 is not finite");
  expect_refused(*c, std::string(44, '\0'), B, 400, "not a whole number of rows");
  expect_refused(*c, "", J, 400, "empty body");
  expect_refused(*c, "rows", "text/plain", 415, "Content-Type 'text/plain'");
  expect_refused(*c, "x", J, 404, "no such path: /v1/nothing", "/v1/nothing");
  expect_refused(*c, "x", J, 405, "not allowed: use GET", "/v1/health");
  auto g = c->Get("/v1/score");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->status, 405);
  expect_refused(*c, std::string(1100000, ' '), J, 413, "over --max-body-mb 1");
  // The same without a Content-Length (chunked): read and dropped, 413 all the same.
  auto chunked = c->Post(
      "/v1/score",
      [](size_t offset, httplib::DataSink& sink) {
        if (offset >= 3000000) return sink.done(), true;
        const std::string block(100000, ' ');
        return sink.write(block.data(), block.size());
      },
      J.c_str());
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 413) << chunked->body;
  // Still serving, on the same connection.
  EXPECT_EQ(scores_of(*c, rows_of(0, 5), false).size(), 5u);
}

// A raw TCP connection to the server that sends `bytes` and hangs up.
void send_and_hang_up(int port, const std::string& bytes, bool wait_for_answer) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
  if (wait_for_answer) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::close(fd);
}

TEST(ServeCli, ClientsThatHangUpBreakNothing) {
  ServerProcess srv("--run " + plain_run() + " --port 0 --json --device cpu");
  auto c = client(srv.port());
  const auto x = rows_of(0, 20);
  const std::vector<double> ref = scores_of(*c, x, true);
  const std::string head =
      "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
      "Content-Length: ";
  const std::string body = binary_body(x);
  // Half a body, then gone; half the headers, then gone; a whole request, gone before the answer.
  send_and_hang_up(
      srv.port(), head + std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, body.size() / 2),
      false);
  send_and_hang_up(srv.port(), head.substr(0, 30), false);
  for (int k = 0; k < 20; ++k)
    send_and_hang_up(srv.port(), head + std::to_string(body.size()) + "\r\n\r\n" + body, k % 2);
  expect_near_all(scores_of(*c, x, true), ref, 0);
  EXPECT_EQ(get_json(*c, "/v1/health").value("status", ""), "ok");
}

TEST(ServeCli, SigtermDrainsAndExits143) {
  ServerProcess srv("--run " + plain_run() + " --port 0 --json --device cpu");
  std::atomic<bool> go{true};
  std::atomic<int> ok{0}, server_errors{0};
  std::thread load([&] {
    auto c = client(srv.port());
    const std::string body = binary_body(rows_of(0, 64));
    while (go.load()) {
      auto r = c->Post("/v1/score", body, "application/octet-stream");
      if (!r) break;  // the listener closed
      (r->status == 200 ? ok : server_errors)++;
    }
  });
  while (ok.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto t0 = std::chrono::steady_clock::now();
  const int code = srv.stop(SIGTERM, 10000);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  go = false;
  load.join();
  EXPECT_EQ(code, 143) << srv.err();
  EXPECT_LT(s, 3.0);
  EXPECT_EQ(server_errors.load(), 0);
  EXPECT_NE(srv.err().find("hourglass: serve: stopped by SIGTERM"), std::string::npos) << srv.err();
}

#endif  // HG_SERVE_ENABLED

}  // namespace
}  // namespace hg::test
