// basin: the command-line tool. Exit codes, the same for every command:
//   0 success; 1 the data is damaged or the thing asked for is absent (or the medium
//   failed, or a restore left entries out); 2 bad usage; 3 authentication or permission
//   refused; 4 a backup written without some files.
#include <fmt/format.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>

#include "cli/command.h"
#include "cli/repo_common.h"
#include "util/exit_code.h"

namespace basin::cli {

Status WriteAllTo(std::FILE* f, std::string_view data, std::string_view what) {
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), f) != data.size()) {
    return Status::IOError(fmt::format("writing {}", what));
  }
  return Status::OK();
}

namespace {
double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)), total_(total), enabled_(::isatty(2) == 1), start_(Now()) {}

Progress::~Progress() {
  if (enabled_ && last_ != 0) Draw(true);
}

void Progress::Add(uint64_t n) {
  done_ += n;
  if (!enabled_) return;
  const double now = Now();
  if (now - last_ < 0.25) return;
  last_ = now;
  Draw(false);
}

void Progress::Draw(bool final) {
  const double secs = std::max(Now() - start_, 1e-6);
  const double mib = static_cast<double>(done_) / (1 << 20);
  if (total_ > 0) {
    fmt::print(stderr, "\r{}: {:.1f} / {:.1f} MiB ({:.0f}%), {:.1f} MiB/s{}", label_, mib,
               static_cast<double>(total_) / (1 << 20), 100.0 * done_ / total_, mib / secs,
               final ? "\n" : "");
  } else {
    fmt::print(stderr, "\r{}: {:.1f} MiB, {:.1f} MiB/s{}", label_, mib, mib / secs,
               final ? "\n" : "");
  }
}

}  // namespace basin::cli

int main(int argc, char** argv) {
  using basin::cli::Outcome;
  CLI::App app{
      "basin: a storage engine for local disks and object storage, and the backup "
      "tool on top of it.",
      "basin"};
  app.set_version_flag("--version", "basin " BASIN_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 damaged data or absent thing (or a failed store, or a restore "
      "that left entries out: each named), 2 bad usage, 3 permission refused (a wrong "
      "password), 4 backup written but some files could not be read.\nStores are named by URL: "
      "file:///path (or a plain path), mem://, "
      "s3://bucket/prefix. The basin: --repo URL or $BASIN_REPOSITORY; its password: "
      "--password-file, $BASIN_PASSWORD_FILE, $BASIN_PASSWORD, or a prompt.");
  Outcome outcome;
  basin::cli::GlobalOptions global;
  basin::cli::AddGlobalOptions(app, &global);
  basin::cli::RegisterRepoCommands(app, &global, &outcome);
  basin::cli::RegisterBackupCommands(app, &global, &outcome);
  basin::cli::RegisterHistoryCommands(app, &global, &outcome);
  basin::cli::RegisterMountCommand(app, &global, &outcome);
  basin::cli::RegisterDumpCommand(app, &global, &outcome);
  basin::cli::RegisterLogCommands(app, &global, &outcome);
  basin::cli::RegisterStoreCommands(app, &global, &outcome);
  basin::cli::RegisterTableCommands(app, &global, &outcome);
  // Global options (--repo, --json ...) may come after the subcommand too.
  for (CLI::App* sub : app.get_subcommands({})) {
    sub->fallthrough();
    for (CLI::App* subsub : sub->get_subcommands({})) subsub->fallthrough();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the error to stderr
    return 2;
  }
  if (!outcome.status.ok()) {
    std::fflush(stdout);
    fmt::print(stderr, "basin: {}\n", outcome.status.ToString());
    return basin::ExitCodeFor(outcome.status);
  }
  if (std::fflush(stdout) != 0) {
    fmt::print(stderr, "basin: I/O error: writing standard output\n");
    return 1;
  }
  return outcome.exit_code;
}
