#include "engine/io/staged_folder.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "engine/util/error.h"

namespace hg::io {

namespace fs = std::filesystem;

namespace {

// Removes `.<name>.partial.<pid>` siblings of `target` whose process is gone.
void remove_abandoned_stages(const fs::path& target) {
  const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = "." + target.filename().string() + ".partial.";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(pid_text);
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;  // still running
    fs::remove_all(e.path(), ec);
  }
}

}  // namespace

StagedFolder::StagedFolder(std::string target, Commit mode)
    : target_(std::move(target)), mode_(mode) {
  fs::path t(target_);
  if (t.filename().empty()) t = t.parent_path();  // "out/" names the folder "out"
  target_ = t.string();
  remove_abandoned_stages(t);
  const fs::path parent = t.parent_path().empty() ? fs::path(".") : t.parent_path();
  stage_ =
      (parent / ("." + t.filename().string() + ".partial." + std::to_string(::getpid()))).string();
  std::error_code ec;
  fs::remove_all(stage_, ec);
  fs::create_directories(stage_, ec);
  if (ec)
    throw Error(target_ + ": cannot create a folder beside it to write into: " + ec.message());
}

StagedFolder::~StagedFolder() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(stage_, ec);
}

std::string StagedFolder::path(const std::string& file) const {
  return (fs::path(stage_) / file).string();
}

void StagedFolder::merge_into_target() {
  if (!fs::is_directory(target_)) throw Error(target_ + ": exists and is not a folder");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(stage_)) {
    fs::rename(e.path(), fs::path(target_) / e.path().filename(), ec);
    if (ec)
      throw Error(target_ + "/" + e.path().filename().string() +
                  ": cannot move into place: " + ec.message());
  }
  fs::remove_all(stage_, ec);
}

// The old folder is renamed aside first, so a failure between the two renames leaves it whole
// (under its aside name, put back when the second rename fails).
void StagedFolder::replace_target() {
  const std::string aside = stage_ + ".old";
  std::error_code ec;
  fs::remove_all(aside, ec);
  fs::rename(target_, aside, ec);
  if (ec) throw Error(target_ + ": cannot move the old folder aside: " + ec.message());
  fs::rename(stage_, target_, ec);
  if (ec) {
    std::error_code back;
    fs::rename(aside, target_, back);
    throw Error(target_ + ": cannot move the finished files into place: " + ec.message());
  }
  fs::remove_all(aside, ec);
}

void StagedFolder::commit() {
  std::error_code ec;
  if (!fs::exists(target_)) {
    fs::rename(stage_, target_, ec);
    if (ec) throw Error(target_ + ": cannot move the finished files into place: " + ec.message());
  } else if (mode_ == Commit::replace) {
    replace_target();
  } else {
    merge_into_target();
  }
  committed_ = true;
}

}  // namespace hg::io
