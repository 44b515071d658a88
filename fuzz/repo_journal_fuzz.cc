// Hostile bytes as a journal record: the sealed form (which a fixed key must refuse
// without crashing) and the fields inside it; a record that decodes is applied to a state.
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
  (void)DecodeRecord(bytes, 1, keys, basin_id);
  auto r = DecodeRecordFields(bytes, 1, "fuzz");
  if (r.ok()) {
    BasinState st;
    st.Apply(*r);
    if (st.seq != 1) __builtin_trap();
    (void)EncodeRecord(*r, keys, basin_id);
  }
  return 0;
}
