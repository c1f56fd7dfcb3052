// Whole-file reads and crash-safe whole-file writes.
//
// write_file_atomic writes "<path>.tmp.<pid>" in the same directory, fsyncs it, then renames it
// over <path>: a reader sees either the old file or the complete new one, never a partial write.
// Every failure throws hg::Error with a one-line message that names the path.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace hg::io {

// The whole file as bytes. Error "<path>: cannot open: <strerror>" (or a read error).
std::string read_file(const std::string& path);

// Atomically replace <path> with `bytes`. On failure the temp file is removed and Error names path.
void write_file_atomic(const std::string& path, const std::string& bytes);

// j.dump(2) plus a trailing newline, written atomically.
void write_json_atomic(const std::string& path, const nlohmann::json& j);

// Parse a JSON file. Error "<path>: invalid JSON: <what>" on a parse failure.
nlohmann::json read_json(const std::string& path);

// A JSON library error as a short user message: without the library's "[json.exception.x.N] "
// prefix, at most 200 characters (for "<file>: <what is wrong>" messages).
std::string json_error_text(const std::exception& e);

}  // namespace hg::io
