// Hostile bytes as a table's footer and as a meta block's contents (tagged properties):
// the decoders must refuse cleanly or give fields that encode back to a block that decodes
// to the same fields.
#include <cstddef>
#include <cstdint>
#include <string>

#include "table/meta_block.h"
#include "table/table_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (size >= basin::table::kFooterSize) {
    const std::string_view footer = bytes.substr(size - basin::table::kFooterSize);
    auto f = basin::table::Footer::Decode(footer, size);
    if (f.ok() && f->table_size() != size) __builtin_trap();
  }
  auto m = basin::table::MetaBlock::Decode(bytes);
  if (!m.ok()) return 0;
  auto again = basin::table::MetaBlock::Decode(m->Encode());
  if (!again.ok() || again->entries != m->entries || again->index != m->index ||
      again->file_id != m->file_id || again->last_key != m->last_key) {
    __builtin_trap();
  }
  return 0;
}
