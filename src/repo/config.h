// The config object (docs/format/repository.md, "config"): identity, key slots, settings.
#ifndef BASIN_REPO_CONFIG_H_
#define BASIN_REPO_CONFIG_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "basin/basin.h"
#include "basin/status.h"
#include "repo/basin_format.h"
#include "repo/keys.h"

namespace basin::repo {

struct Config {
  std::array<uint8_t, kBasinIdSize> basin_id{};
  bool encrypted = true;
  std::vector<KeySlot> slots;
  BasinSettings settings;

  std::string_view basin_id_bytes() const {
    return {reinterpret_cast<const char*>(basin_id.data()), basin_id.size()};
  }
};

// The stored form, sealed and MAC'd with `keys`.
std::string EncodeConfig(const Config& config, const Keys& keys);

// Parses what can be read without a key: identity, flags and slots; *sealed_settings and
// *mac_input point into `bytes` for OpenConfig. Corruption for anything malformed,
// NotSupported for another version.
Result<Config> ParseConfig(std::string_view bytes, std::string* sealed_settings);

// The settings fields, once opened (for OpenConfig and fuzzing). Corruption or
// NotSupported naming what is wrong.
Status DecodeSettings(std::string_view fields, BasinSettings* settings);

// With the basin's keys: checks the MAC over `bytes` and opens the settings into *config.
Status OpenConfig(std::string_view bytes, std::string_view sealed_settings, const Keys& keys,
                  Config* config);

}  // namespace basin::repo

#endif  // BASIN_REPO_CONFIG_H_
