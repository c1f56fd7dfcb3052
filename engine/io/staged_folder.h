// Outputs made of many files (decompressed images, a report's charts, cluster pictures) written as
// a whole: a failure or an interruption part way leaves the old state or nothing, never 50 of 200
// images. Files are written into a hidden sibling folder `.<name>.partial.<pid>`; commit() moves
// them into the target (a rename of the whole folder when the target does not exist yet, else one
// rename per file, or with Commit::replace the old folder swapped out whole); the destructor of an
// uncommitted stage removes it. Stages left by a killed process (their pid no longer runs) are
// removed when a new stage of the same target starts.
#pragma once
#include <string>

namespace hg::io {

class StagedFolder {
 public:
  // merge: the staged files join (and replace same-named files in) an existing target.
  // replace: the target becomes exactly the staged folder (the caller checked --force).
  enum class Commit { merge, replace };
  explicit StagedFolder(std::string target, Commit mode = Commit::merge);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  // Where to write `file` (a name inside the folder) before commit().
  std::string path(const std::string& file) const;
  const std::string& dir() const { return stage_; }  // the folder being written
  const std::string& target() const { return target_; }
  void commit();

 private:
  void merge_into_target();
  void replace_target();

  std::string target_, stage_;
  Commit mode_;
  bool committed_ = false;
};

}  // namespace hg::io
