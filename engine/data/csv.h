// Numeric CSV tables. Comma-separated, header row required, optional "..." quoting ("" inside
// quotes is a literal quote), LF or CRLF line ends, blank trailing lines ignored.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/dataset.h"

namespace hg::data {

// Loads a table as a Dataset with sample_shape {d}, feature_names = header minus the label
// column, name "csv:<path>". label_column empty = no labels; otherwise the column must exist
// (Error listing the columns) and hold integers (int32). Every other cell must parse fully as a
// finite float. Errors: "<path>:<line>:<column>: bad value '<cell>' in column '<name>'"
// (line and column 1-based, the header is line 1), a row with the wrong number of cells
// ("<path>:<line>: ..."), no header, no data rows.
Dataset load_csv(const std::string& path, const std::string& label_column);

// Writes header + rows (rows x header.size() floats, row-major) atomically, floats in shortest
// round-trip form. With labels (rows entries), a final column "label" is appended.
void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<float>& rows_major, int64_t rows,
               const std::vector<int32_t>* labels = nullptr);

}  // namespace hg::data
