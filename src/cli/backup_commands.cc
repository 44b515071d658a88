// basin backup and basin restore.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>

#include "basin/backup.h"
#include "cli/command.h"
#include "cli/repo_common.h"
#include "cli/snapshot_util.h"

namespace basin::cli {
namespace {

using nlohmann::json;

struct BackupArgs {
  std::vector<std::string> paths, excludes, exclude_files, tags;
  bool exclude_caches = false, one_file_system = false, dry_run = false, from_stdin = false,
       with_atime = false;
  std::string stdin_filename = "stdin", host, parent;
  int checkpoint_minutes = 5;
};

// A live line on the terminal: files, bytes of total, rate, ETA, current file.
class LiveLine {
 public:
  explicit LiveLine(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  ~LiveLine() { Clear(); }
  void Show(const basin::Progress& p) {
    if (!enabled_) return;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = secs > 0 ? p.bytes_done / secs : 0;
    std::string total, eta;
    if (p.bytes_total > 0) {
      total = fmt::format(" / {}{}", HumanBytes(p.bytes_total), p.totals_final ? "" : "+");
      if (p.totals_final && rate > 0 && p.bytes_total > p.bytes_done) {
        const auto left = static_cast<int64_t>((p.bytes_total - p.bytes_done) / rate);
        eta = fmt::format(" ETA {}:{:02}", left / 60, left % 60);
      }
    }
    std::string current = p.current;
    if (current.size() > 40) current = "..." + current.substr(current.size() - 37);
    const auto e = static_cast<int64_t>(secs);
    std::lock_guard lock(mu_);
    fmt::print(stderr, "\r\033[K[{}:{:02}] {} files {}{} {}/s{}{} {}", e / 60, e % 60, p.files_done,
               HumanBytes(p.bytes_done), total, HumanBytes(uint64_t(rate)), eta,
               p.errors > 0 ? fmt::format(" {} errors", p.errors) : "", current);
    shown_ = true;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    if (shown_) fmt::print(stderr, "\r\033[K");
    shown_ = false;
  }
  bool enabled() const { return enabled_; }

 private:
  const bool enabled_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  bool shown_ = false;
};

Result<std::vector<std::string>> ReadPatternFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(fmt::format("cannot read exclude file '{}'", path));
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

Status RunBackup(const GlobalOptions& g, const BackupArgs& a, Outcome* outcome) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BackupOptions o;
  o.paths = a.paths;
  o.excludes = a.excludes;
  for (const auto& f : a.exclude_files) {
    BASIN_ASSIGN_OR_RETURN(auto patterns, ReadPatternFile(f));
    o.excludes.insert(o.excludes.end(), patterns.begin(), patterns.end());
  }
  o.exclude_caches = a.exclude_caches;
  o.one_file_system = a.one_file_system;
  o.tags = a.tags;
  o.host = a.host;
  o.dry_run = a.dry_run;
  o.with_atime = a.with_atime;
  o.from_stdin = a.from_stdin;
  o.stdin_filename = a.stdin_filename;
  o.checkpoint_interval = std::chrono::minutes(a.checkpoint_minutes);
  if (!a.parent.empty()) {
    BASIN_ASSIGN_OR_RETURN(Snapshot parent, FindSnapshot(*b.basin, a.parent));
    o.parent = parent.id;
  }
  if (o.paths.empty() && !o.from_stdin) {
    return Status::InvalidArgument("backup what? name one or more paths (or --stdin)");
  }
  LiveLine live(::isatty(2) == 1 && !g.quiet && !g.json);
  std::mutex out_mu;
  if (live.enabled()) o.progress = [&](const basin::Progress& p) { live.Show(p); };
  if (g.json && !g.quiet) {
    o.progress = [&](const basin::Progress& p) {
      std::lock_guard lock(out_mu);
      fmt::print("{}\n", JsonText(json({{"message_type", "status"},
                                        {"files_done", p.files_done},
                                        {"bytes_done", p.bytes_done},
                                        {"total_files", p.files_total},
                                        {"total_bytes", p.bytes_total},
                                        {"errors", p.errors}})));
      std::fflush(stdout);
    };
  }
  o.warning = [&](const std::string& path, const Status& why) {
    live.Clear();
    std::lock_guard lock(out_mu);
    if (g.json) {
      fmt::print(
          "{}\n",
          JsonText(json({{"message_type", "error"}, {"item", path}, {"error", why.message()}})));
    } else {
      fmt::print(stderr, "warning: {}: {}\n", path, why.message());
    }
  };
  BASIN_ASSIGN_OR_RETURN(BackupResult r, Backup(*b.basin, o));
  live.Clear();
  const SnapshotSummary& m = r.snapshot.summary;
  if (g.json) {
    fmt::print("{}\n", JsonText(json({{"message_type", "summary"},
                                      {"snapshot_id", r.snapshot.id.ToHex()},
                                      {"dry_run", a.dry_run},
                                      {"files_new", m.files_new},
                                      {"files_changed", m.files_changed},
                                      {"files_unchanged", m.files_unchanged},
                                      {"dirs_new", m.dirs_new},
                                      {"dirs_changed", m.dirs_changed},
                                      {"dirs_unchanged", m.dirs_unchanged},
                                      {"total_files_processed", m.total_files},
                                      {"total_bytes_processed", m.total_bytes},
                                      {"bytes_read", m.bytes_read},
                                      {"data_added", m.bytes_added},
                                      {"data_stored", m.bytes_stored},
                                      {"errors", r.errors},
                                      {"changed_while_read", r.changed_while_read},
                                      {"strata_adopted", r.strata_adopted},
                                      {"total_duration", m.duration_ns / 1e9},
                                      {"requests", RequestSummaryJson(b)}})));
  } else if (!g.quiet) {
    fmt::print("Files:       {} new, {} changed, {} unmodified\n", m.files_new, m.files_changed,
               m.files_unchanged);
    fmt::print("Dirs:        {} new, {} changed, {} unmodified\n", m.dirs_new, m.dirs_changed,
               m.dirs_unchanged);
    fmt::print(
        "Added to the basin: {} ({} stored){}\n", HumanBytes(m.bytes_added),
        HumanBytes(m.bytes_stored),
        r.strata_adopted > 0
            ? fmt::format("; reused {} strata an interrupted backup had uploaded", r.strata_adopted)
            : "");
    fmt::print("processed {} files, {} in {:.1f} s{}\n", m.total_files, HumanBytes(m.total_bytes),
               m.duration_ns / 1e9,
               r.errors > 0 ? fmt::format(", {} could not be read", r.errors) : "");
    fmt::print("snapshot {} {}\n", ShortId(r.snapshot.id),
               a.dry_run ? "(dry run: not saved)" : "saved");
    if (g.verbose > 0) fmt::print("{}", RequestSummary(b));
  }
  if (r.errors > 0) outcome->exit_code = kExitIncomplete;
  return Status::OK();
}

struct RestoreArgs {
  std::string snapshot, target, overwrite = "always";
  std::vector<std::string> includes, excludes;
  bool verify = false;
  std::string host;
};

std::string Count(uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The last line: the summary (stdout), or, when something was not restored, what and how
// much was (stderr, even with --quiet).
void PrintRestoreSummary(const GlobalOptions& g, const RestoreArgs& a, OpenedBasin& b,
                         const Snapshot& s, const RestoreResult& r, double secs) {
  const bool failed = r.errors > 0 || r.conflicts > 0;
  const std::string counts =
      fmt::format("{}, {}, {} others, {}", Count(r.files, "file", "files"),
                  Count(r.dirs, "directory", "directories"), r.others, HumanBytes(r.bytes));
  const std::string notes = fmt::format(
      "{}{}{}{}", r.skipped > 0 ? fmt::format(", {} left as they were", r.skipped) : "",
      r.sockets_skipped > 0 ? fmt::format(", {} sockets not restored", r.sockets_skipped) : "",
      r.temps_removed > 0 ? fmt::format(", {} left by a killed restore removed",
                                        Count(r.temps_removed, "temporary file", "temporary files"))
                          : "",
      a.verify ? fmt::format(", {} files verified", r.verified) : "");
  if (g.json) {
    fmt::print("{}\n", JsonText(json({{"message_type", "summary"},
                                      {"snapshot_id", s.id.ToHex()},
                                      {"files_restored", r.files},
                                      {"dirs_restored", r.dirs},
                                      {"others_restored", r.others},
                                      {"bytes_restored", r.bytes},
                                      {"skipped", r.skipped},
                                      {"warnings", r.warnings},
                                      {"errors", r.errors},
                                      {"verified", r.verified},
                                      {"sockets_skipped", r.sockets_skipped},
                                      {"conflicts", r.conflicts},
                                      {"temps_removed", r.temps_removed},
                                      {"complete", !failed},
                                      {"seconds", secs},
                                      {"requests", RequestSummaryJson(b)}})));
  } else if (!g.quiet && !failed) {
    fmt::print("restored snapshot {} to {}: {} in {:.1f} s{}\n", ShortId(s.id), a.target, counts,
               secs, notes);
  }
  if (!g.json && !g.quiet && g.verbose > 0) fmt::print("{}", RequestSummary(b));
  if (!failed) return;
  std::string what;
  if (r.errors > 0) what = Count(r.errors, "file", "files") + " could not be written";
  if (r.conflicts > 0) {
    what += fmt::format("{}{} left as it was", what.empty() ? "" : ", ",
                        Count(r.conflicts, "conflicting entry", "conflicting entries"));
  }
  fmt::print(stderr,
             "basin: restore failed after {:.1f} s: {} (named above); restored from snapshot {} "
             "to {}: {}{}\n",
             secs, what, ShortId(s.id), a.target, counts, notes);
}

Status RunRestore(const GlobalOptions& g, const RestoreArgs& a, Outcome* outcome) {
  if (a.target.empty()) return Status::InvalidArgument("restore where? give --target DIR");
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(SnapshotRef ref, ParseSnapshotRef(a.snapshot));
  BASIN_ASSIGN_OR_RETURN(Snapshot s, FindSnapshot(*b.basin, ref.id, a.host));
  RestoreOptions o;
  o.target = a.target;
  o.path = ref.path;
  o.includes = a.includes;
  o.excludes = a.excludes;
  o.verify = a.verify;
  if (a.overwrite == "always") {
    o.overwrite = Overwrite::kAlways;
  } else if (a.overwrite == "if-changed") {
    o.overwrite = Overwrite::kIfChanged;
  } else if (a.overwrite == "never") {
    o.overwrite = Overwrite::kNever;
  } else {
    return Status::InvalidArgument("--overwrite takes always, if-changed or never");
  }
  LiveLine live(::isatty(2) == 1 && !g.quiet && !g.json);
  if (live.enabled()) {
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    o.progress = [&live, last](const basin::Progress& p) {
      const auto now = std::chrono::steady_clock::now();
      if (now - *last < std::chrono::milliseconds(250)) return;
      *last = now;
      live.Show(p);
    };
  }
  std::mutex mu;
  o.warning = [&](const std::string& path, const Status& why) {
    live.Clear();
    std::lock_guard lock(mu);
    // Most messages name their path already: it is printed once.
    if (why.message().find(path) != std::string::npos) {
      fmt::print(stderr, "warning: {}\n", why.message());
    } else {
      fmt::print(stderr, "warning: {}: {}\n", path, why.message());
    }
  };
  const auto start = std::chrono::steady_clock::now();
  BASIN_ASSIGN_OR_RETURN(RestoreResult r, Restore(*b.basin, s, o));
  live.Clear();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintRestoreSummary(g, a, b, s, r, secs);
  if (r.errors > 0 || r.conflicts > 0) outcome->exit_code = 1;
  return Status::OK();
}

}  // namespace

void RegisterBackupCommands(CLI::App& app, GlobalOptions* g, Outcome* outcome) {
  auto a = std::make_shared<BackupArgs>();
  CLI::App* backup = app.add_subcommand("backup", "Back up files and directories (a snapshot)");
  backup->add_option("PATH", a->paths, "Files and directories to back up");
  backup
      ->add_option("-e,--exclude", a->excludes,
                   "Leave out what matches this glob (a name, or a path when it has a '/')")
      ->allow_extra_args(false);
  backup->add_option("--exclude-file", a->exclude_files, "Read exclude patterns from a file")
      ->allow_extra_args(false);
  backup->add_flag("--exclude-caches", a->exclude_caches,
                   "Leave out directories holding a CACHEDIR.TAG");
  backup->add_flag("-x,--one-file-system", a->one_file_system,
                   "Do not cross into other file systems");
  backup->add_option("--tag", a->tags, "Tag the snapshot (repeatable)")->allow_extra_args(false);
  backup->add_option("--host", a->host, "Host name to record (default: this machine's)");
  backup->add_option("--parent", a->parent,
                     "Snapshot whose unchanged files are reused (default: the latest of this "
                     "host and paths)");
  backup->add_flag("-n,--dry-run", a->dry_run, "Read and chunk, write nothing");
  backup->add_flag(
      "--with-atime", a->with_atime,
      "Record access times too (off: they change at every backup, so every tree would be new)");
  backup->add_flag("--stdin", a->from_stdin, "Back up standard input as one file");
  backup->add_option("--stdin-filename", a->stdin_filename, "Its name in the snapshot");
  backup
      ->add_option("--checkpoint-minutes", a->checkpoint_minutes,
                   "Commit uploaded data this often during a long backup (default 5)")
      ->check(CLI::Range(1, 24 * 60));
  backup->footer(
      "Exit code 4: the snapshot was written, but some files could not be read (listed as "
      "warnings).");
  backup->callback([g, a, outcome] { outcome->status = RunBackup(*g, *a, outcome); });

  auto r = std::make_shared<RestoreArgs>();
  CLI::App* restore = app.add_subcommand("restore", "Restore a snapshot (or a path in it)");
  restore->add_option("SNAPSHOT", r->snapshot, "ID[:PATH] or latest[:PATH]")->required();
  restore->add_option("-t,--target", r->target, "Directory to restore into")->required();
  restore->add_option("-i,--include", r->includes, "Restore only what matches this glob")
      ->allow_extra_args(false);
  restore->add_option("-e,--exclude", r->excludes, "Leave out what matches this glob")
      ->allow_extra_args(false);
  restore->add_option("--overwrite", r->overwrite,
                      "always (default), if-changed (size or mtime differ) or never");
  restore->footer(
      "What is in the target: with --overwrite always or if-changed, a file, symlink or "
      "special file where the snapshot has a directory is removed (a symlink is never "
      "followed) and the directory restored, and an empty directory where the snapshot has a "
      "file or symlink is removed; a directory that holds anything is never removed: it is "
      "left and named (a conflict). With never, whatever is there stays, and an entry of the "
      "other kind (a directory against a non-directory) is named as a conflict. Nothing of the "
      "snapshot below a directory left out is restored; everything else is.\n"
      "Temporary files a killed restore left (regular files named .basin-restore- and 16 hex "
      "digits) are removed from every directory the restore writes into; do not run two "
      "restores into one directory at once.\n"
      "Exit code 1: some files could not be written or some entries conflicted (each named on "
      "stderr, with a last line saying how much was restored); the rest was restored.");
  restore->add_flag("--verify", r->verify, "Read every restored file back and check it");
  restore->add_option("--host", r->host, "With latest: the latest of this host");
  restore->callback([g, r, outcome] { outcome->status = RunRestore(*g, *r, outcome); });
}

}  // namespace basin::cli
