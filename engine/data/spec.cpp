#include "engine/data/spec.h"

#include <filesystem>

#include "engine/data/csv.h"
#include "engine/data/idx.h"
#include "engine/data/synthetic.h"
#include "engine/util/error.h"

namespace hg::data {
namespace fs = std::filesystem;

namespace {

const char* kFashionDir = "/usr/share/datasets/fashion-mnist";
const char* kMnistDir = "data/mnist";

// "kind" or "kind:REST": true when text names kind; rest gets what follows the colon.
bool has_kind(const std::string& text, const std::string& kind, std::string& rest, bool& colon) {
  if (text == kind) {
    rest.clear();
    colon = false;
    return true;
  }
  if (text.rfind(kind + ":", 0) == 0) {
    rest = text.substr(kind.size() + 1);
    colon = true;
    return true;
  }
  return false;
}

// DIR/base.gz if present, else DIR/base if present, else "".
std::string find_idx(const std::string& dir, const std::string& base) {
  for (const std::string& name : {base + ".gz", base}) {
    const fs::path p = fs::path(dir) / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

}  // namespace

DataSpec parse_spec(const std::string& text) {
  DataSpec s;
  s.text = text;
  std::string rest;
  bool colon = false;
  auto need = [&](const char* what) {
    if (rest.empty())
      throw UsageError("--data: '" + text + "' is missing its " + what + " after the colon");
  };
  if (has_kind(text, "fashion-mnist", rest, colon) || has_kind(text, "mnist", rest, colon)) {
    s.kind = text.rfind("fashion-mnist", 0) == 0 ? "fashion-mnist" : "mnist";
    if (colon) need("directory");
    s.path = colon ? rest : (s.kind == "mnist" ? kMnistDir : kFashionDir);
  } else if (has_kind(text, "idx", rest, colon)) {
    s.kind = "idx";
    if (!colon) throw UsageError("--data: 'idx' needs a directory (idx:DIR)");
    need("directory");
    s.path = rest;
  } else if (has_kind(text, "csv", rest, colon)) {
    s.kind = "csv";
    if (!colon) throw UsageError("--data: 'csv' needs a file (csv:FILE[,label=NAME])");
    const size_t opt = rest.rfind(",label=");
    if (opt != std::string::npos) {
      s.label_column = rest.substr(opt + 7);
      rest = rest.substr(0, opt);
      if (s.label_column.empty()) throw UsageError("--data: '" + text + "' has an empty label=");
    }
    need("file");
    s.path = rest;
  } else if (text == "synthetic") {
    s.kind = "synthetic";
  } else {
    throw UsageError("--data: unknown data spec '" + text +
                     "' (expected fashion-mnist[:DIR], mnist[:DIR], idx:DIR, "
                     "csv:FILE[,label=NAME] or synthetic)");
  }
  return s;
}

Dataset load(const DataSpec& s, Split split) {
  if (s.kind == "csv") return load_csv(s.path, s.label_column);
  if (s.kind == "synthetic") return make_synthetic(42);
  HG_CHECK(s.kind == "fashion-mnist" || s.kind == "mnist" || s.kind == "idx", "unknown spec kind");

  const std::string hint = s.kind == "idx" ? "" : " (run scripts/fetch-data to get " + s.kind + ")";
  std::error_code ec;
  if (!fs::is_directory(s.path, ec))
    throw Error(s.path + ": no such data directory for --data " + s.text + hint);
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string images = find_idx(s.path, prefix + "-images-idx3-ubyte");
  const std::string labels = find_idx(s.path, prefix + "-labels-idx1-ubyte");
  for (const auto& [found, base] : {std::pair{images, prefix + "-images-idx3-ubyte"},
                                    std::pair{labels, prefix + "-labels-idx1-ubyte"}})
    if (found.empty()) throw Error((fs::path(s.path) / base).string() + "[.gz]: not found" + hint);
  const std::string part = split == Split::Train ? "/train" : "/test";
  const std::string name = (s.kind == "idx" ? "idx:" + s.path : s.kind) + part;
  return load_idx_pair(images, labels, name);
}

}  // namespace hg::data
