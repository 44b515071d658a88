// Hostile bytes as a checkpoint: the sealed form and the fields inside it must never crash;
// a checkpoint that decodes round-trips through a state.
#include <cstddef>
#include <cstdint>
#include <string>

#include "repo/journal.h"
#include "repo/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace basin::repo;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const Keys keys = Keys::Unencrypted();
  static const std::string basin_id(16, 'b');
  (void)DecodeCheckpoint(bytes, keys, basin_id);
  auto c = DecodeCheckpointFields(bytes, 0);
  if (c.ok()) {
    const BasinState st = BasinState::FromCheckpoint(*c);
    if (st.ToCheckpoint().tables.size() != c->tables.size()) __builtin_trap();
  }
  return 0;
}
