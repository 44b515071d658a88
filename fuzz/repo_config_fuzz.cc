// Hostile bytes as a basin's config (its key slots included): parsing, the settings fields
// and the MAC check must never crash. Key slots are not unwrapped (Argon2id per input would
// make the fuzzer crawl; their costs are bounded by the parser, which is what is tested).
#include <cstddef>
#include <cstdint>
#include <string>

#include "repo/config.h"
#include "repo/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace basin::repo;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string sealed;
  auto c = ParseConfig(bytes, &sealed);
  if (c.ok()) {
    for (const KeySlot& slot : c->slots) {
      if (slot.kdf.mem_bytes > kMaxKdfMem || slot.kdf.ops > kMaxKdfOps) __builtin_trap();
    }
    static const Keys keys = Keys::Unencrypted();
    (void)OpenConfig(bytes, sealed, keys, &*c);
  }
  basin::BasinSettings settings;
  (void)DecodeSettings(bytes, &settings);
  return 0;
}
