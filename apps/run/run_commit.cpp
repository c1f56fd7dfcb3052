#include "apps/run/run_commit.h"

#include <filesystem>
#include <system_error>

#include "apps/run/run_folder.h"
#include "engine/io/atomic_file.h"
#include "engine/util/error.h"

namespace hg::run {

namespace fs = std::filesystem;

namespace {

std::string staged_name(const std::string& name, int64_t epoch) {
  return name + ".epoch" + std::to_string(epoch) + ".next";
}

// "<name>.epoch<E>.next" -> (name, E); false for any other file name.
bool parse_staged(const std::string& file, std::string& name, int64_t& epoch) {
  const std::string suffix = ".next";
  if (file.size() <= suffix.size() ||
      file.compare(file.size() - suffix.size(), suffix.size(), suffix))
    return false;
  const std::string stem = file.substr(0, file.size() - suffix.size());
  const size_t at = stem.rfind(".epoch");
  if (at == std::string::npos || at + 6 >= stem.size()) return false;
  const std::string digits = stem.substr(at + 6);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return false;
  name = stem.substr(0, at);
  epoch = std::stoll(digits);
  return true;
}

// A temporary of write_file_atomic: "<name>.tmp.<pid>".
bool is_write_temporary(const std::string& file) {
  const size_t at = file.rfind(".tmp.");
  return at != std::string::npos && at + 5 < file.size() &&
         file.find_first_not_of("0123456789", at + 5) == std::string::npos;
}

void rename_into_place(const std::string& dir, const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::rename(fs::path(dir) / from, fs::path(dir) / to, ec);
  if (ec)
    throw Error(path_in(dir, to) +
                ": cannot move the new epoch's file into place: " + ec.message());
}

}  // namespace

void commit_epoch(const std::string& dir, int64_t epoch, const std::vector<EpochFile>& files) {
  nlohmann::json names = nlohmann::json::array();
  for (const EpochFile& f : files) {
    f.write(path_in(dir, staged_name(f.name, epoch)));
    names.push_back(f.name);
  }
  io::write_json_atomic(path_in(dir, kManifest), {{"epoch", epoch}, {"files", names}});
  for (const EpochFile& f : files) rename_into_place(dir, staged_name(f.name, epoch), f.name);
}

int64_t committed_epoch(const std::string& dir) {
  const std::string path = path_in(dir, kManifest);
  if (!fs::exists(path)) return -1;
  const nlohmann::json m = io::read_json(path);
  if (!m.is_object() || !m.contains("epoch") || !m["epoch"].is_number_integer())
    throw Error(path + ": not a run manifest (no integer 'epoch')");
  return m["epoch"].get<int64_t>();
}

int64_t recover_run_folder(const std::string& dir) {
  const int64_t epoch = std::max<int64_t>(committed_epoch(dir), 0);
  std::error_code ec;
  std::vector<fs::path> entries;  // listed first: the loop renames and removes entries
  for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e.path());
  for (const fs::path& p : entries) {
    const std::string file = p.filename().string();
    std::string name;
    int64_t staged_epoch = 0;
    if (parse_staged(file, name, staged_epoch)) {
      if (staged_epoch == epoch && epoch > 0)
        rename_into_place(dir, file, name);  // roll forward
      else
        fs::remove(p, ec);  // roll back
    } else if (is_write_temporary(file)) {
      fs::remove(p, ec);
    }
  }
  return epoch;
}

bool is_unfinished_run(const std::string& dir) {
  return fs::is_directory(dir) && fs::exists(path_in(dir, "config.json")) &&
         !fs::exists(path_in(dir, kManifest)) && !fs::exists(path_in(dir, kCheckpoint));
}

}  // namespace hg::run
