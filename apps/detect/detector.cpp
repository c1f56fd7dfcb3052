#include "apps/detect/detector.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "apps/metrics/metrics.h"
#include "apps/run/run_data.h"
#include "apps/transfer/transfer.h"
#include "engine/autograd/autograd.h"
#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"
#include "engine/util/error.h"
#include "engine/util/interrupt.h"

namespace hg::detect {

using nlohmann::json;

ThresholdRule parse_threshold(const std::string& text, const std::string& flag) {
  ThresholdRule r;
  r.text = text;
  const size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  auto number = [&](const char* what) {
    try {
      size_t used = 0;
      const double v = std::stod(arg, &used);
      if (used != arg.size() || !std::isfinite(v)) throw std::invalid_argument("bad");
      return v;
    } catch (const std::exception&) {
      throw UsageError(flag + " " + text + ": expected " + what);
    }
  };
  if (kind == "percentile") {
    r.kind = ThresholdRule::Kind::Percentile;
    r.param = number("percentile:Q with Q in [0, 100]");
    if (r.param < 0 || r.param > 100)
      throw UsageError(flag + " " + text + ": Q must be in [0, 100]");
  } else if (kind == "contamination") {
    r.kind = ThresholdRule::Kind::Contamination;
    r.param = number("contamination:F with F in (0, 0.5]");
    if (!(r.param > 0 && r.param <= 0.5))
      throw UsageError(flag + " " + text + ": F must be in (0, 0.5]");
  } else if (kind == "value") {
    r.kind = ThresholdRule::Kind::Value;
    r.param = number("value:X with a finite X");
  } else if (text == "f1") {
    r.kind = ThresholdRule::Kind::F1;
  } else if (text == "youden") {
    r.kind = ThresholdRule::Kind::Youden;
  } else {
    throw UsageError(flag + ": unknown threshold rule '" + text +
                     "' (expected percentile:Q, f1, youden, contamination:F or value:X)");
  }
  return r;
}

std::vector<ScoreKind> parse_score_list(const std::string& text, const std::string& flag) {
  std::vector<ScoreKind> out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const ScoreKind k = parse_score_kind(part, flag);
    if (std::find(out.begin(), out.end(), k) != out.end())
      throw UsageError(flag + ": score '" + part + "' given twice");
    out.push_back(k);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<Member> make_members(const std::vector<std::string>& dirs,
                                 const std::vector<ScoreKind>& kinds, const ScoreOptions& opts) {
  std::vector<Member> out;
  for (const std::string& d : dirs)
    for (ScoreKind k : kinds) {
      Member m;
      m.dir = d;
      m.state.kind = k;
      m.state.knn_k = opts.knn_k;
      m.state.seed = opts.seed + 7919ULL * out.size();
      m.state.view = opts.view;
      out.push_back(m);
    }
  return out;
}

json Detector::to_json() const {
  json ms = json::array();
  for (const Member& m : members)
    ms.push_back({{"dir", m.dir}, {"score", m.state.to_json()}, {"mean", m.mean}, {"sd", m.sd}});
  return {{"version", 1},           {"members", ms},       {"combine", combine},
          {"threshold", threshold}, {"rule", rule.text},   {"normal_classes", normal_classes},
          {"fit_data", fit_data},   {"score", score_text}, {"normal_summary", normal_summary}};
}

Detector Detector::from_json(const json& j, const std::string& origin) {
  Detector d;
  try {
    if (j.at("version").get<int>() != 1) throw Error(origin + ": unsupported detector version");
    for (const json& m : j.at("members")) {
      Member mm;
      mm.dir = m.at("dir").get<std::string>();
      mm.state = ScoreState::from_json(m.at("score"), origin);
      mm.mean = m.at("mean").get<double>();
      mm.sd = m.at("sd").get<double>();
      d.members.push_back(mm);
    }
    if (d.members.empty()) throw Error(origin + ": a detector needs at least one member");
    d.combine = j.at("combine").get<std::string>();
    d.rule = parse_threshold(j.at("rule").get<std::string>(), origin + ": rule");
    d.threshold = j.at("threshold").get<double>();
    d.normal_classes = j.at("normal_classes").get<std::vector<int32_t>>();
    d.fit_data = j.value("fit_data", std::string());
    d.score_text = j.value("score", std::string());
    d.normal_summary = j.value("normal_summary", json::object());
  } catch (const json::exception& e) {
    throw Error(origin + ": malformed detector: " + io::json_error_text(e));
  }
  return d;
}

LoadedDetector::LoadedDetector(std::string run_dir, Detector d, Device device)
    : dir_(std::move(run_dir)), d_(std::move(d)), device_(device) {
  // Several scores of one model (mse,mahalanobis) share one loaded copy of it.
  std::map<std::string, std::shared_ptr<run::LoadedRun>> loaded;
  for (const Member& m : d_.members) {
    const std::string path = m.dir == "." ? dir_ : run::path_in(dir_, m.dir);
    std::shared_ptr<run::LoadedRun>& r = loaded[path];
    if (!r) {
      r = std::make_shared<run::LoadedRun>(run::load_run(path));
      r->model->to(device_);
    }
    if (!runs_.empty() && r->model->input_dim() != runs_.front()->model->input_dim())
      throw Error("detector member " + path + " expects " + std::to_string(r->model->input_dim()) +
                  " features, the first member " +
                  std::to_string(runs_.front()->model->input_dim()));
    runs_.push_back(r);
  }
}

namespace {

const char* kCodesFile = "detector_codes.safetensors";

std::string classifier_file(size_t member, size_t j) {
  return "detector_classifier" + std::to_string(member) + "_" + std::to_string(j) + ".safetensors";
}

// "member<i>" (an older detector's knn codes) or "member<i>.<array>": (i, array name).
bool parse_array_name(const std::string& name, size_t* member, std::string* array) {
  if (name.rfind("member", 0) != 0) return false;
  const size_t dot = name.find('.');
  const std::string num = name.substr(6, dot == std::string::npos ? std::string::npos : dot - 6);
  if (num.empty() || num.size() > 5 || num.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *member = static_cast<size_t>(std::stoul(num));
  *array = dot == std::string::npos ? "codes" : name.substr(dot + 1);
  return true;
}

}  // namespace

LoadedDetector LoadedDetector::load(const std::string& run_dir, Device device) {
  const std::string path = run::path_in(run_dir, "detector.json");
  if (!std::filesystem::exists(path))
    throw Error(path + ": no detector in this run (fit one first: hourglass detect fit --run " +
                run_dir + " ...)");
  LoadedDetector ld(run_dir, Detector::from_json(io::read_json(path), path), device);
  bool any_arrays = false;
  for (Member& m : ld.d_.members) any_arrays = any_arrays || !m.state.float_arrays().empty();
  if (any_arrays) {
    const std::string codes = run::path_in(run_dir, kCodesFile);
    if (!std::filesystem::exists(codes))
      throw Error(codes + ": missing (the detector keeps its normal rows there)");
    for (io::TensorData& t : io::load_safetensors(codes)) {
      size_t i = 0;
      std::string array;
      std::vector<float>* dst = nullptr;
      if (parse_array_name(t.name, &i, &array) && i < ld.d_.members.size())
        for (auto& [name, vec] : ld.d_.members[i].state.float_arrays())
          if (name == array) dst = vec;
      if (dst == nullptr) throw Error(codes + ": unexpected tensor '" + t.name + "'");
      *dst = std::move(t.data);
    }
  }
  for (size_t i = 0; i < ld.d_.members.size(); ++i) {
    ScoreState& st = ld.d_.members[i].state;
    if (st.kind != ScoreKind::Classifier) continue;
    for (int j = 0; j < st.ensemble; ++j) {
      const std::string file = run::path_in(run_dir, classifier_file(i, static_cast<size_t>(j)));
      if (!std::filesystem::exists(file))
        throw Error(file + ": missing (the classifier score keeps its networks there)");
      st.classifiers.push_back(transfer::load_classifier(file, *ld.runs_[i], device));
      if (st.classifiers.back()->classes() != static_cast<int64_t>(st.classes.size()))
        throw Error(file + ": has " + std::to_string(st.classifiers.back()->classes()) +
                    " classes, detector.json lists " + std::to_string(st.classes.size()));
    }
  }
  return ld;
}

// The float arrays of every member go to detector_codes.safetensors ("member<i>.<array>") and
// each classifier to its own file, all before the JSON that refers to them, so an interrupted
// save never leaves a detector without its parts.
void LoadedDetector::save() const {
  std::vector<io::TensorView> views;
  std::vector<std::string> names;
  names.reserve(d_.members.size() * 2);
  for (size_t i = 0; i < d_.members.size(); ++i) {
    ScoreState& st =
        const_cast<ScoreState&>(d_.members[i].state);  // float_arrays() hands out pointers
    for (auto& [name, vec] : st.float_arrays()) {
      names.push_back("member" + std::to_string(i) + "." + name);
      views.push_back({names.back(), {static_cast<int64_t>(vec->size())}, vec->data()});
    }
    for (size_t j = 0; j < st.classifiers.size(); ++j)
      transfer::save_classifier(run::path_in(dir_, classifier_file(i, j)), *st.classifiers[j]);
  }
  if (!views.empty()) io::save_safetensors(run::path_in(dir_, kCodesFile), views);
  io::write_json_atomic(run::path_in(dir_, "detector.json"), d_.to_json());
}

namespace {

Scorer scorer_for(const run::LoadedRun& r, Device device) {
  Scorer s;
  s.model = r.model.get();
  s.run = &r;
  s.loss = r.loss;
  s.device = device;
  return s;
}

// The rows as run r's model sees them: raw.x itself when the run has no scaler (no copy of the
// data set), else a scaled copy kept in `buf`.
const std::vector<float>& model_rows(const run::LoadedRun& r, const data::Dataset& raw,
                                     std::vector<float>& buf) {
  if (r.scaler.kind == data::ScalerKind::None) return raw.x;
  buf = raw.x;
  r.scaler.transform(buf.data(), raw.n, raw.features());
  return buf;
}

}  // namespace

std::vector<double> LoadedDetector::member_scores(size_t i, const data::Dataset& raw) const {
  const run::LoadedRun& r = *runs_[i];
  std::vector<float> buf;
  return score_rows(scorer_for(r, device_), d_.members[i].state, model_rows(r, raw, buf), raw.n,
                    raw.features());
}

// The calibration rows: a seeded tenth of the normal rows (none below 20 rows).
std::pair<data::Dataset, data::Dataset> calibration_split(const data::Dataset& normal) {
  if (normal.n < 20) return {normal, data::Dataset{}};
  return data::split_validation(normal, 0.1, 0xca11b8a7eULL);
}

void LoadedDetector::fit_member(size_t i, const data::Dataset& normal_raw) {
  const run::LoadedRun& r = *runs_[i];
  Member& m = d_.members[i];
  ScoreState proto = m.state;
  if (uses_view(proto.kind) && proto.view.blur > 0.0) {
    const run::ImageShape shape = run::image_shape(r, "--knn-blur");
    proto.view.c = shape.c, proto.view.h = shape.h, proto.view.w = shape.w;
  }
  std::vector<float> buf;
  const std::vector<float>& x = model_rows(r, normal_raw, buf);
  m.state = fit_score(scorer_for(r, device_), proto, x, normal_raw.n, normal_raw.features(),
                      normal_raw.y);
}

std::vector<double> LoadedDetector::fit_members(const data::Dataset& normal_raw) {
  const auto [fit, calib] = calibration_split(normal_raw);
  const data::Dataset& cal = calib.n > 0 ? calib : fit;
  for (size_t i = 0; i < runs_.size(); ++i) {
    fit_member(i, fit);
    const Summary sum = summarize(member_scores(i, cal));
    d_.members[i].mean = sum.mean;
    d_.members[i].sd = sum.std > 0 ? sum.std : 1.0;
  }
  const std::vector<double> calibration = score(cal);
  // The final states see every normal row (a classifier is kept as trained: fitting it again
  // would cost as much as the first time for little gain).
  if (calib.n > 0)
    for (size_t i = 0; i < runs_.size(); ++i)
      if (d_.members[i].state.kind != ScoreKind::Classifier) fit_member(i, normal_raw);
  return calibration;
}

std::vector<double> LoadedDetector::score(const data::Dataset& raw) const {
  if (runs_.size() == 1) return member_scores(0, raw);
  std::vector<std::vector<double>> all;
  for (size_t i = 0; i < runs_.size(); ++i) {
    std::vector<double> s = member_scores(i, raw);
    for (double& v : s) v = (v - d_.members[i].mean) / d_.members[i].sd;
    all.push_back(std::move(s));
  }
  std::vector<double> out(static_cast<size_t>(raw.n));
  std::vector<double> col(all.size());
  for (int64_t j = 0; j < raw.n; ++j) {
    for (size_t i = 0; i < all.size(); ++i) col[i] = all[i][static_cast<size_t>(j)];
    if (d_.combine == "median") {
      std::sort(col.begin(), col.end());
      const size_t m = col.size() / 2;
      out[static_cast<size_t>(j)] = col.size() % 2 ? col[m] : 0.5 * (col[m - 1] + col[m]);
    } else {
      double s = 0;
      for (double v : col) s += v;
      out[static_cast<size_t>(j)] = s / static_cast<double>(col.size());
    }
  }
  return out;
}

std::vector<float> LoadedDetector::feature_errors(const data::Dataset& raw) const {
  const run::LoadedRun& r = *runs_.front();
  std::vector<float> buf;
  return detect::feature_errors(scorer_for(r, device_), model_rows(r, raw, buf), raw.n,
                                raw.features());
}

std::vector<float> LoadedDetector::reconstructions(const data::Dataset& raw) const {
  const run::LoadedRun& r = *runs_.front();
  autograd::NoGradGuard no_grad;
  const int64_t D = raw.features();
  std::vector<float> buf, out;
  const std::vector<float>& x = model_rows(r, raw, buf);
  out.reserve(x.size());
  for (int64_t start = 0; start < raw.n; start += 2048) {
    interrupt::check("reconstructing");
    const int64_t rows = std::min<int64_t>(2048, raw.n - start);
    Tensor xb = chunk_tensor(x, start, rows, D, device_);
    std::vector<float> rec =
        r.model->to_data(r.model->forward(xb), r.loss).to(Device::cpu()).to_vector();
    out.insert(out.end(), rec.begin(), rec.end());
  }
  r.scaler.inverse_transform(out.data(), raw.n, D);
  return out;
}

nlohmann::json summary_json(const std::vector<double>& scores) {
  const Summary s = summarize(scores);
  return {{"n", s.n},     {"mean", s.mean}, {"std", s.std}, {"min", s.min}, {"p50", s.p50},
          {"p90", s.p90}, {"p95", s.p95},   {"p99", s.p99}, {"max", s.max}};
}

LabelledRows label_rows(const data::Dataset& d, const std::vector<int32_t>& normal_classes,
                        const std::vector<int32_t>& anomaly_classes, const std::string& flag) {
  if (!d.has_labels())
    throw UsageError(
        flag + ": the data have no labels (use IDX data with labels or csv:FILE,label=COLUMN)");
  if (normal_classes.empty())
    throw UsageError(
        flag + ": which classes are normal is unknown (fit the detector with --normal-classes)");
  const std::set<int32_t> normal(normal_classes.begin(), normal_classes.end());
  const std::set<int32_t> anomal(anomaly_classes.begin(), anomaly_classes.end());
  for (int32_t c : anomal)
    if (normal.count(c))
      throw UsageError(flag + ": class " + std::to_string(c) + " is both normal and anomalous");
  LabelledRows out;
  for (int64_t i = 0; i < d.n; ++i) {
    const int32_t c = d.y[static_cast<size_t>(i)];
    if (normal.count(c)) {
      out.rows.push_back(i), out.labels.push_back(0);
    } else if (anomal.empty() || anomal.count(c)) {
      out.rows.push_back(i), out.labels.push_back(1);
    }
  }
  return out;
}

}  // namespace hg::detect
