// basin dump: a file of a snapshot to standard output (or -o FILE), or a directory (or the
// whole snapshot) as a tar archive (snapshot/tar_writer.h).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "basin/snapshot.h"
#include "cli/command.h"
#include "cli/repo_common.h"
#include "cli/snapshot_util.h"
#include "snapshot/fs_meta.h"
#include "snapshot/tar_writer.h"

namespace basin::cli {
namespace {

struct DumpArgs {
  std::string snapshot, path, output, archive = "tar", host;
};

// Writes all of `data` to `fd`.
Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return snap::ErrnoStatus(n < 0 ? errno : ENOSPC, "writing", what);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

// The path in the snapshot: SNAPSHOT:PATH, or the second argument (as restic's dump).
Result<SnapshotRef> DumpRef(const DumpArgs& a) {
  BASIN_ASSIGN_OR_RETURN(SnapshotRef ref, ParseSnapshotRef(a.snapshot));
  if (!a.path.empty()) {
    if (a.snapshot.find(':') != std::string::npos) {
      return Status::InvalidArgument("name the path once: SNAPSHOT:PATH, or SNAPSHOT PATH");
    }
    ref.path = a.path[0] == '/' ? a.path : "/" + a.path;
  }
  return ref;
}

Status RunDump(const GlobalOptions& g, const DumpArgs& a) {
  if (a.archive != "tar") {
    return Status::InvalidArgument(fmt::format("--archive {}: only tar is written", a.archive));
  }
  BASIN_ASSIGN_OR_RETURN(SnapshotRef ref, DumpRef(a));
  if (a.output.empty() && ::isatty(1) == 1) {
    return Status::InvalidArgument(
        "dump writes binary data: redirect standard output, or give -o FILE");
  }
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(Snapshot s, FindSnapshot(*b.basin, ref.id, a.host));
  BASIN_ASSIGN_OR_RETURN(TreeEntry top, FindPath(*b.basin, s.root, ref.path));
  const std::string where = a.output.empty() ? "standard output" : a.output;
  int fd = 1;
  if (!a.output.empty()) {
    fd = ::open(a.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return snap::ErrnoStatus(errno, "creating", a.output);
  }
  Status done;
  if (top.type == EntryType::kFile) {
    done = snap::StreamFileContent(
        *b.basin, top, [&](std::string_view data) { return WriteAll(fd, data, where); });
  } else {
    snap::TarStats stats;
    done = snap::WriteTar(
        *b.basin, s.root, ref.path, fd,
        [&](const std::string& path, const Status& why) {
          fmt::print(stderr, "warning: /{}: {} (left out)\n", PrintablePath(path), why.message());
        },
        &stats);
    if (done.ok() && g.verbose > 0) {
      fmt::print(stderr, "dumped {} entries, {} of file content{}\n", stats.entries,
                 HumanBytes(stats.bytes),
                 stats.left_out > 0 ? fmt::format(", {} left out", stats.left_out) : "");
    }
  }
  if (!a.output.empty()) {
    if (::close(fd) != 0 && done.ok()) done = snap::ErrnoStatus(errno, "closing", a.output);
    if (!done.ok()) ::unlink(a.output.c_str());  // no partial archive left behind
  }
  return done;
}

}  // namespace

void RegisterDumpCommand(CLI::App& app, GlobalOptions* g, Outcome* outcome) {
  auto a = std::make_shared<DumpArgs>();
  CLI::App* dump = app.add_subcommand(
      "dump", "Write a file of a snapshot, or a directory as a tar archive, to standard output");
  dump->add_option("SNAPSHOT", a->snapshot, "ID[:PATH] or latest[:PATH]")->required();
  dump->add_option("PATH", a->path, "The path in the snapshot (instead of :PATH)");
  dump->add_option("-o,--output", a->output, "Write to this file instead of standard output");
  dump->add_option("--archive", a->archive, "Archive format for directories: tar (the only one)");
  dump->add_option("--host", a->host, "With latest: the latest of this host");
  dump->footer(
      "A file is written as its content (holes as zeros). A directory, any other entry, or the "
      "whole snapshot (no PATH) is written as a pax tar archive: names are paths in the "
      "snapshot without the leading '/'; mode, owner ids and names, mtime to the nanosecond, "
      "symlinks, hard links, FIFOs, devices and extended attributes (SCHILY.xattr: extract "
      "with 'tar --xattrs -xpf'); sockets are left out (a warning each). Memory stays bounded "
      "whatever the file sizes. Exit code 1 when the path is not in the snapshot.");
  dump->callback([g, a, outcome] { outcome->status = RunDump(*g, *a); });
}

}  // namespace basin::cli
