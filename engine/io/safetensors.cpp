#include "engine/io/safetensors.h"

#include <zlib.h>
#include <cmath>
#include <cstdio>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"
#include "engine/util/error.h"

static_assert(std::endian::native == std::endian::little,
              "safetensors IO assumes a little-endian host");
static_assert(sizeof(float) == 4);

namespace hg::io {
namespace {

constexpr uint64_t kMaxHeader = 100u << 20;  // same cap as the reference implementation
constexpr const char* kMetaKey = "__metadata__";
constexpr const char* kChecksumKey = "hourglass_crc32";  // CRC-32 of the data buffer, 8 hex digits

// The running CRC-32 `c` extended by n bytes (zlib takes uInt lengths, hence the chunks).
uLong crc32_update(uLong c, const char* p, size_t n) {
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(p), chunk);
    p += chunk;
    n -= chunk;
  }
  return c;
}

std::string crc32_text(uLong c) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08lx", static_cast<unsigned long>(c & 0xffffffffUL));
  return buf;
}

// The first non-finite element of n floats, or -1.
int64_t first_non_finite(const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return static_cast<int64_t>(i);
  return -1;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// prod(shape), or throws when a dim is negative or the product overflows the byte count.
uint64_t element_count(const std::string& where, const std::vector<int64_t>& shape) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(where + ": negative dimension in shape " + shape_text(shape));
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / 4 / static_cast<uint64_t>(d))
      throw Error(where + ": shape " + shape_text(shape) + " is too large");
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

struct Entry {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& v) {
  const std::string where = path + ": tensor '" + name + "'";
  if (!v.is_object()) throw Error(where + ": header entry is not an object");
  const auto dt = v.find("dtype");
  if (dt == v.end() || !dt->is_string()) throw Error(where + ": missing dtype");
  if (*dt != "F32")
    throw Error(where + ": unsupported dtype " + dt->get<std::string>() +
                " (only F32 is supported)");
  Entry e{name, {}, 0, 0};
  const auto sh = v.find("shape");
  if (sh == v.end() || !sh->is_array()) throw Error(where + ": missing or invalid shape");
  for (const auto& d : *sh) {
    if (!d.is_number_unsigned())
      throw Error(where + ": shape entries must be non-negative integers");
    const uint64_t u = d.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw Error(where + ": shape dimension too large");
    e.shape.push_back(static_cast<int64_t>(u));
  }
  const auto off = v.find("data_offsets");
  if (off == v.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
      !(*off)[1].is_number_unsigned())
    throw Error(where + ": data_offsets must be [begin, end] non-negative integers");
  e.begin = (*off)[0].get<uint64_t>();
  e.end = (*off)[1].get<uint64_t>();
  if (e.end < e.begin) throw Error(where + ": data_offsets end < begin");
  const uint64_t want = element_count(where, e.shape) * 4;
  if (e.end - e.begin != want)
    throw Error(where + ": data_offsets span " + std::to_string(e.end - e.begin) +
                " bytes but shape " + shape_text(e.shape) + " needs " + std::to_string(want));
  return e;
}

}  // namespace

void save_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorView*> order;
  std::set<std::string> seen;
  for (const auto& t : tensors) {
    if (t.name.empty() || t.name == kMetaKey)
      throw Error(path + ": invalid tensor name '" + t.name + "'");
    if (!seen.insert(t.name).second) throw Error(path + ": duplicate tensor name '" + t.name + "'");
    order.push_back(&t);
  }
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->name < b->name; });

  nlohmann::json header = nlohmann::json::object();  // std::map-backed: keys come out sorted
  uint64_t offset = 0;
  uLong crc = crc32(0L, Z_NULL, 0);  // of the data buffer, tensor by tensor in file order
  for (const TensorView* t : order) {
    const uint64_t count = element_count(path + ": tensor '" + t->name + "'", t->shape);
    if (count > 0 && t->data == nullptr)
      throw Error(path + ": tensor '" + t->name + "' has no data");
    // A NaN or inf weight is never written, so never loaded.
    const int64_t bad = count > 0 ? first_non_finite(t->data, count) : -1;
    if (bad >= 0)
      throw Error(path + ": tensor '" + t->name + "' has a non-finite value at element " +
                  std::to_string(bad) + "; not written");
    const uint64_t bytes = count * 4;
    if (bytes) crc = crc32_update(crc, reinterpret_cast<const char*>(t->data), bytes);
    header[t->name] = {
        {"dtype", "F32"}, {"shape", t->shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  nlohmann::json m = nlohmann::json::object();
  for (const auto& [k, v] : metadata) m[k] = v;
  m[kChecksumKey] = crc32_text(crc);
  header[kMetaKey] = std::move(m);
  std::string json;
  try {
    json = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": cannot encode header: " + e.what());
  }
  json.append((8 - json.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + json.size() + offset);
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  out += json;
  for (const TensorView* t : order)
    if (const uint64_t bytes = element_count(path, t->shape) * 4)
      out.append(reinterpret_cast<const char*>(t->data), bytes);
  write_file_atomic(path, out);
}

std::vector<TensorData> load_safetensors(const std::string& path,
                                         std::map<std::string, std::string>* metadata) {
  const std::string file = read_file(path);
  if (file.size() < 8)
    throw Error(path + ": not a safetensors file (" + std::to_string(file.size()) +
                " bytes, truncated)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= static_cast<uint64_t>(static_cast<unsigned char>(file[i])) << (8 * i);
  if (n > kMaxHeader || n > file.size() - 8)
    throw Error(path + ": header length " + std::to_string(n) + " exceeds the file size " +
                std::to_string(file.size()) + " (truncated or not safetensors)");
  nlohmann::json header;
  try {
    header =
        nlohmann::json::parse(file.begin() + 8, file.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": invalid JSON header: " + e.what());
  }
  if (!header.is_object()) throw Error(path + ": header is not a JSON object");

  const uint64_t data_start = 8 + n, data_size = file.size() - data_start;
  std::string expected_crc;  // files Hourglass writes carry one; other writers' files may not
  std::vector<Entry> entries;
  for (const auto& [key, v] : header.items()) {
    if (key == kMetaKey) {
      if (!v.is_object()) throw Error(path + ": __metadata__ is not an object");
      for (const auto& [mk, mv] : v.items()) {
        if (!mv.is_string())
          throw Error(path + ": __metadata__ value for '" + mk + "' is not a string");
        if (mk == kChecksumKey) {
          expected_crc = mv.get<std::string>();
          continue;
        }
        if (metadata) (*metadata)[mk] = mv.get<std::string>();
      }
      continue;
    }
    Entry e = parse_entry(path, key, v);
    if (e.end > data_size)
      throw Error(path + ": tensor '" + key + "': data_offsets [" + std::to_string(e.begin) + "," +
                  std::to_string(e.end) + "] out of range (data buffer is " +
                  std::to_string(data_size) + " bytes; truncated file?)");
    entries.push_back(std::move(e));
  }

  // Overlap check on the non-empty ranges, in file order.
  std::vector<const Entry*> by_off;
  for (const auto& e : entries)
    if (e.end > e.begin) by_off.push_back(&e);
  std::sort(by_off.begin(), by_off.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_off.size(); ++i)
    if (by_off[i]->begin < by_off[i - 1]->end)
      throw Error(path + ": tensors '" + by_off[i - 1]->name + "' and '" + by_off[i]->name +
                  "' have overlapping data_offsets");

  if (!expected_crc.empty() &&
      crc32_text(crc32_update(crc32(0L, Z_NULL, 0), file.data() + data_start, data_size)) !=
          expected_crc)
    throw Error(path + ": the data does not match its checksum (the file is damaged)");

  std::vector<TensorData> out;
  out.reserve(entries.size());
  for (auto& e : entries) {  // header.items() iterates keys in sorted order
    TensorData t{e.name, e.shape, std::vector<float>((e.end - e.begin) / 4)};
    if (!t.data.empty())
      std::memcpy(t.data.data(), file.data() + data_start + e.begin, e.end - e.begin);
    const int64_t bad = first_non_finite(t.data.data(), t.data.size());
    if (bad >= 0)
      throw Error(path + ": tensor '" + e.name + "' has a non-finite value at element " +
                  std::to_string(bad));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace hg::io
