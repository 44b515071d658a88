#include "repo/clast.h"

#include <fmt/format.h>

#include "basin/coding.h"
#include "repo/basin_format.h"

namespace basin::repo {

uint64_t ClastList::total_size() const {
  uint64_t n = 0;
  for (const auto& e : entries) n += e.size;
  return n;
}

std::string EncodeClastList(const ClastList& list) {
  std::string out;
  out.reserve(2 + list.entries.size() * (kIdSize + 4));
  out += static_cast<char>(list.level);
  PutVarint64(&out, list.entries.size());
  for (const auto& e : list.entries) {
    out += e.id.view();
    PutVarint64(&out, e.size);
  }
  return out;
}

Result<ClastList> DecodeClastList(std::string_view in, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return Status::Corruption(fmt::format("{}: clast list {}", what, why));
  };
  ClastList list;
  uint64_t count = 0;
  if (in.empty()) return bad("is empty");
  list.level = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if (list.level > 8) return bad("nests too deep");
  if (!GetVarint64(&in, &count) || count == 0 || count > kMaxClastEntries) {
    return bad("has an impossible number of entries");
  }
  if (in.size() < count * (kIdSize + 1)) return bad("is cut short");
  list.entries.resize(count);
  for (auto& e : list.entries) {
    std::string_view id;
    if (!GetBytes(&in, kIdSize, &id) || !GetVarint64(&in, &e.size) ||
        e.size > (list.level == 0 ? kMaxGrainDataSize : (uint64_t{1} << 60))) {
      return bad("has a malformed entry");
    }
    std::memcpy(e.id.bytes.data(), id.data(), kIdSize);
  }
  if (!in.empty()) return bad("has trailing bytes");
  return list;
}

}  // namespace basin::repo
