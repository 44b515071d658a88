// Shared plumbing of the basin command: each group of subcommands registers itself on the
// app and reports its outcome through one Status, which main() turns into the exit code.
#ifndef BASIN_CLI_COMMAND_H_
#define BASIN_CLI_COMMAND_H_

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <string_view>

#include "basin/status.h"

namespace basin::cli {

// Where a command leaves its outcome.
struct Outcome {
  Status status;
  // A command that succeeded with reservations (a backup that skipped unreadable files)
  // sets its own exit code here; 0 otherwise.
  int exit_code = 0;
};

// Exit code of a backup that wrote its snapshot but skipped files it could not read.
inline constexpr int kExitIncomplete = 4;

struct GlobalOptions;
void RegisterStoreCommands(CLI::App& app, const GlobalOptions* options, Outcome* outcome);
void RegisterLogCommands(CLI::App& app, const GlobalOptions* options, Outcome* outcome);
void RegisterTableCommands(CLI::App& app, const GlobalOptions* options, Outcome* outcome);
void RegisterRepoCommands(CLI::App& app, GlobalOptions* options, Outcome* outcome);
void RegisterBackupCommands(CLI::App& app, GlobalOptions* options, Outcome* outcome);
void RegisterHistoryCommands(CLI::App& app, GlobalOptions* options, Outcome* outcome);
void RegisterMountCommand(CLI::App& app, GlobalOptions* options, Outcome* outcome);
void RegisterDumpCommand(CLI::App& app, GlobalOptions* options, Outcome* outcome);

// Writes all of `data` to `f`; IOError naming `what` on failure.
Status WriteAllTo(std::FILE* f, std::string_view data, std::string_view what);

// Shows progress of a long transfer on stderr, when stderr is a terminal.
class Progress {
 public:
  Progress(std::string label, uint64_t total);
  ~Progress();
  void Add(uint64_t n);

 private:
  void Draw(bool final);
  std::string label_;
  uint64_t total_, done_ = 0;
  bool enabled_;
  double start_, last_ = 0;
};

}  // namespace basin::cli

#endif  // BASIN_CLI_COMMAND_H_
