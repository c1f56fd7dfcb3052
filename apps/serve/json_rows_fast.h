// The fast path of JSON request parsing: a scanner for exactly {"rows": [[numbers], ...]} with
// any JSON whitespace, which reads the numbers with std::from_chars (several times faster than
// building a DOM of 50,000 numbers first). It accepts only well-formed bodies of that shape with
// D finite float32 values per row, and gives up (returns false) on anything else: the checked
// path (request_parse.cpp) then parses the body again to name what is wrong, so both paths accept
// the same bodies and give the same values (each number is rounded to double, then to float, as
// a JSON library would). Pure: any thread may call it.
#pragma once
#include <cstdint>
#include <string_view>

#include "apps/serve/request_parse.h"

namespace hg::serve {

bool parse_json_rows_fast(std::string_view body, int64_t D, Rows& out);

}  // namespace hg::serve
