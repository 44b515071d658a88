// What the basin commands share: the global options (--repo, --password-file, --json,
// --cold ...), reading the password, opening the basin.
#ifndef BASIN_CLI_REPO_COMMON_H_
#define BASIN_CLI_REPO_COMMON_H_

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "basin/basin.h"
#include "basin/counting_store.h"

namespace basin::cli {

struct GlobalOptions {
  std::string repo;           // --repo, or BASIN_REPOSITORY
  std::string cold;           // --cold: the cold store, when the basin has one
  std::string password_file;  // --password-file, or BASIN_PASSWORD_FILE
  bool json = false;          // --json: machine-readable output on stdout
  bool quiet = false;         // --quiet: no progress, only errors
  int verbose = 0;            // --verbose (repeatable)
  bool no_encryption = false;
  // Argon2id cost of new keys (init, key add, key passwd).
  // The local cache of metadata (docs/format/repository.md, "Local cache"), for stores
  // reached over a network: --cache-dir, else $BASIN_CACHE_DIR, $XDG_CACHE_HOME/basin,
  // $HOME/.cache/basin. --no-cache: none.
  std::string cache_dir;
  bool no_cache = false;
  uint64_t kdf_memory_mib = 64;  // InitOptions' defaults
  uint64_t kdf_passes = 20;
  KdfParams Kdf() const { return KdfParams{kdf_passes, kdf_memory_mib << 20}; }
};

// Adds the global options to `app` (the root): they are accepted before or after the
// subcommand (subcommands fall through to the root).
void AddGlobalOptions(CLI::App& app, GlobalOptions* options);

// The password: from --password-file / BASIN_PASSWORD_FILE, BASIN_PASSWORD, or a prompt on
// the terminal (twice when `confirm`). Never from the command line. InvalidArgument when
// there is none to be had; PermissionDenied for an unreadable file.
Result<std::string> ReadPassword(const GlobalOptions& options, bool confirm,
                                 std::string_view prompt = "password");

// A new password: from `file` when given, else asked twice on the terminal (never from
// the environment, which holds the current one).
Result<std::string> ReadNewPassword(const std::string& file);

// The basin's store URL: --repo, or BASIN_REPOSITORY. InvalidArgument without one.
Result<std::string> RepositoryUrl(const GlobalOptions& options);

struct OpenedBasin {
  // The stores, counting the requests the command makes (cold: null without one).
  std::shared_ptr<CountingStore> store, cold;
  std::unique_ptr<Basin> basin;
};

// The cache root a basin on `store` uses with these options: empty for none (--no-cache,
// a local store, or no directory to be had).
std::string CacheRoot(const GlobalOptions& options, const ObjectStore& store);

// Opens the basin the options name (with its cold store: --cold, else the one its config
// records).
Result<OpenedBasin> OpenBasin(const GlobalOptions& options);

// The requests and bytes of the command, by store and kind: text lines, or JSON.
std::string RequestSummary(const OpenedBasin& b);
nlohmann::json RequestSummaryJson(const OpenedBasin& b);

// JSON text for output; strings that are not valid UTF-8 (names are bytes) are written
// with replacement characters instead of failing.
std::string JsonText(const nlohmann::json& j, int indent = -1);

// Puts `bytes` into `j` under `name` when they are valid UTF-8 (a JSON string), else
// under `name` + "_base64" (standard base64): record and key bytes survive --json whole.
void PutBytes(nlohmann::json& j, const std::string& name, std::string_view bytes);

// Bytes as people read them: "1.5 GiB".
std::string HumanBytes(uint64_t bytes);

}  // namespace basin::cli

#endif  // BASIN_CLI_REPO_COMMON_H_
