// How a run folder commits an epoch (issue 17): the checkpoint, the optimizer state and the
// metrics of one epoch land together or not at all, so a kill at any moment leaves a folder that
// loads and resumes to an epoch whose files agree.
//   1. every file of epoch E is written (atomically) as "<name>.epoch<E>.next";
//   2. manifest.json {"epoch": E, "files": [...]} is written atomically: the commit point;
//   3. each staged file is renamed over <name>.
// recover_run_folder() finishes step 3 after a kill past step 2 and discards the staged files of
// an epoch that never reached step 2, and the temporaries of atomic writes a kill left behind.
// Only the process that trains into a folder calls it (train, --resume); readers (eval, detect,
// ...) never change a folder.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hg::run {

inline constexpr const char* kManifest = "manifest.json";

struct EpochFile {
  std::string name;                                    // e.g. "last.safetensors"
  std::function<void(const std::string& path)> write;  // writes the file at `path`
};

void commit_epoch(const std::string& dir, int64_t epoch, const std::vector<EpochFile>& files);

// The committed epoch after recovery: the manifest's, 0 when no epoch was ever committed.
int64_t recover_run_folder(const std::string& dir);

// The epoch manifest.json names: -1 without a manifest (a run from before manifests, or one whose
// first epoch never finished). Read only.
int64_t committed_epoch(const std::string& dir);

// True for a folder a first epoch never finished in: it has config.json but neither a manifest
// nor a checkpoint. Such a folder holds nothing to keep, and `train --out` may reuse it without
// --force.
bool is_unfinished_run(const std::string& dir);

}  // namespace hg::run
