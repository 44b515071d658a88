// Backing up directory trees into a basin, and restoring them (docs/format/snapshots.md).
//
// A backup walks the paths, reads files that changed since the parent snapshot (the newest
// of the same host and paths, or the one given), chunks, deduplicates, compresses and
// seals them (BasinWriter), writes one tree per directory and a snapshot, and commits:
// all of it in one journal record, or none. Long backups commit what they have uploaded
// every few minutes (no snapshot yet), so that a crash costs at most that much.
//
// Thread safety: one call runs on the caller's thread and the process executor; several
// backups may run at once (in one process or several) into one basin.
#ifndef BASIN_BACKUP_H_
#define BASIN_BACKUP_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "basin/basin.h"
#include "basin/snapshot.h"

namespace basin {

// Live figures of a running backup (or restore), for progress lines.
struct Progress {
  uint64_t files_done = 0, bytes_done = 0;    // files and bytes handled so far
  uint64_t files_total = 0, bytes_total = 0;  // found by the scanner so far (0: unknown)
  bool totals_final = false;                  // the scanner has finished
  uint64_t errors = 0;
  std::string current;  // a path being read now
};

struct BackupOptions {
  std::vector<std::string> paths;  // absolute or relative to the working directory
  // Glob patterns (fnmatch): a pattern with a '/' matches whole absolute paths, one without
  // matches names anywhere; a match excludes the file or directory and all below it.
  std::vector<std::string> excludes;
  bool exclude_caches = false;   // skip directories holding a valid CACHEDIR.TAG
  bool one_file_system = false;  // do not cross into other file systems
  std::vector<std::string> tags;
  std::string host;               // default: this machine's name
  std::optional<GrainId> parent;  // default: the newest snapshot of this host and paths
  bool dry_run = false;           // read and chunk, write nothing
  // Record access times (off by default, as in borg: every backup changes them, so every
  // tree would be stored anew; restore then sets a file's access time to its mtime).
  bool with_atime = false;
  // Back up standard input (file descriptor 0) as the one file stdin_filename.
  bool from_stdin = false;
  std::string stdin_filename = "stdin";
  std::chrono::seconds checkpoint_interval{300};
  // Files read at once.
  int parallelism = 0;  // 0: 2 per core, at least 4
  // Called about four times a second from a background thread (may be null).
  std::function<void(const Progress&)> progress;
  // Called for each file or directory that could not be read, or changed while being
  // read (the backup goes on). May be null.
  std::function<void(const std::string& path, const Status& why)> warning;
};

struct BackupResult {
  Snapshot snapshot;    // as stored (id, root, summary...)
  uint64_t errors = 0;  // entries skipped because they could not be read
  uint64_t changed_while_read = 0;
  // Strata (and their grains) an interrupted backup had uploaded, reused by this one.
  uint64_t strata_adopted = 0, grains_adopted = 0;
};

// Backs up options.paths. InvalidArgument for a bad stdin_filename, NotFound for a path
// that does not exist (nothing is written). Errors reading single files or directories are warnings
// (the snapshot of the rest is written; BackupResult::errors counts them); an error of the basin or
// store fails the backup, and nothing of it becomes visible. A file that cannot be read is
// left out (and not counted as new or changed); a directory that cannot be listed is kept,
// with its own metadata and no entries, so that restore recreates it.
Result<BackupResult> Backup(Basin& basin, const BackupOptions& options);

// What a restore does with what is already at a target path. An entry of the other kind
// (a non-directory where the snapshot has a directory, or the reverse) is replaced by
// kAlways and kIfChanged: a file, symlink (removed, never followed) or special file gives
// way to the directory; an empty directory gives way to the file. A directory that holds
// anything is never removed: it is left and counted as a conflict (RestoreResult), as is
// every entry of the other kind under kNever; nothing of the snapshot below a directory
// left out is restored.
enum class Overwrite : uint8_t {
  kAlways,     // replace what is at the target
  kIfChanged,  // replace files whose size or mtime differ
  kNever,      // leave existing files alone
};

struct RestoreOptions {
  std::string target;      // directory to restore into (created if absent)
  std::string path = "/";  // the path in the snapshot to restore (its contents go to target)
  // Glob patterns over paths in the snapshot (as BackupOptions::excludes). With includes,
  // only what matches (and the directories leading to it) is restored.
  std::vector<std::string> includes, excludes;
  Overwrite overwrite = Overwrite::kAlways;
  bool verify = false;  // read back every file written and compare with the snapshot
  int parallelism = 0;  // 0: 2 per core, at least 4
  std::function<void(const Progress&)> progress;
  std::function<void(const std::string& path, const Status& why)> warning;
};

struct RestoreResult {
  uint64_t files = 0, dirs = 0, others = 0, bytes = 0;
  uint64_t skipped = 0;   // left as they were (--overwrite)
  uint64_t warnings = 0;  // metadata that could not be set (owner when not root, ...)
  uint64_t errors = 0;    // files whose content could not be written (each one warned about)
  // Entries left as they were because they are of the other kind (see Overwrite); each one
  // is passed to RestoreOptions::warning.
  uint64_t conflicts = 0;
  // Temporary files of an earlier restore that was killed, removed: regular files named
  // ".basin-restore-" and 16 lower-case hex digits, in the directories this restore wrote
  // into (the target and those below it that already existed).
  uint64_t temps_removed = 0;
  uint64_t verified = 0;
  // Sockets in the snapshot, not created (a socket is its server's to create, as in tar
  // and restic); each one is also passed to RestoreOptions::warning.
  uint64_t sockets_skipped = 0;
};

// Restores `snapshot` (its options.path) into options.target. Each file is written whole
// under a temporary name and renamed into place, so no file appears half-written;
// metadata (mode, owner when root, times, xattrs) follows, directory times last.
// Conflicts and files that cannot be written are counted and warned about, and the rest is
// restored; damaged or missing data (Corruption, NotFound) stops the restore, as does a
// directory that cannot be created. InvalidArgument when options.target exists and is not a
// directory. Two restores into one directory at once are not supported: each removes the
// other's temporary files.
Result<RestoreResult> Restore(Basin& basin, const Snapshot& snapshot,
                              const RestoreOptions& options);

}  // namespace basin

#endif  // BASIN_BACKUP_H_
