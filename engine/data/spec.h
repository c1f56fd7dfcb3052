// Data specs: the text of the CLI's --data flag, parsed and loaded.
//   fashion-mnist[:DIR]       IDX files, default DIR /usr/share/datasets/fashion-mnist
//   mnist[:DIR]               IDX files, default DIR data/mnist (made by scripts/fetch-data)
//   idx:DIR                   any IDX image/label pair laid out like MNIST
//   csv:FILE[,label=NAME]     a numeric CSV table, NAME its label column
//   synthetic                 the built-in anomaly table (make_synthetic(42))
#pragma once
#include <string>

#include "engine/data/dataset.h"

namespace hg::data {

enum class Split { Train, Test };

struct DataSpec {
  std::string kind;          // fashion-mnist | mnist | idx | csv | synthetic
  std::string path;          // directory (image kinds) or file (csv); empty for synthetic
  std::string label_column;  // csv only; empty = no labels
  std::string text;          // the spec as written, for messages
};

// UsageError "--data: ..." on an unknown kind or a missing/empty DIR or FILE.
DataSpec parse_spec(const std::string& text);

// Image kinds read DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte, gzipped (.gz) or raw, and
// are named "<kind>/train" or "<kind>/test" ("idx:DIR/train" for idx). A missing directory or
// file -> Error naming the path (for fashion-mnist and mnist adding "run scripts/fetch-data").
// csv and synthetic have no split: both splits return the whole table.
Dataset load(const DataSpec& s, Split split);

}  // namespace hg::data
