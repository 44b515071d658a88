// Snapshots as tar archives (basin dump; README.md, docs/format/snapshots.md "Dump"): the
// pax interchange format, written by libarchive. Every entry keeps its mode (with setuid,
// setgid, sticky), owner ids and names, mtime to the nanosecond, symlink target, device
// numbers and extended attributes (SCHILY.xattr, as GNU tar --xattrs reads them); a file
// seen before under another name (same device and inode) becomes a hard link to the
// first. File contents are streamed chunk by chunk, holes as zeros, so memory stays
// bounded whatever the file sizes. Sockets cannot be held by tar: they are left out and
// reported.
#ifndef BASIN_SNAPSHOT_TAR_WRITER_H_
#define BASIN_SNAPSHOT_TAR_WRITER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "basin/snapshot.h"

struct archive;

namespace basin::snap {

// Called for each entry left out of an archive, and why.
using DumpWarning = std::function<void(const std::string& path, const Status& why)>;

struct TarStats {
  uint64_t entries = 0;   // written (hard links included)
  uint64_t bytes = 0;     // of file content, holes included
  uint64_t left_out = 0;  // entries a tar cannot hold (sockets)
};

// Writes one tar archive to a file descriptor. Not thread-safe. The first error is sticky:
// every later call returns it.
class TarWriter {
 public:
  // Writes to `fd` (not owned; left open). IOError if libarchive cannot be set up.
  static Result<std::unique_ptr<TarWriter>> Open(int fd);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // Adds `e` under `name` (a relative path: no leading '/'), its content read from `basin`.
  // A socket is left out: `warning` (may be null) is told, and OK returned. Errors: the
  // basin's (Corruption, NotFound), IOError writing.
  Status Add(Basin& basin, const std::string& name, const TreeEntry& e, const DumpWarning& warning);
  // Ends the archive (its closing blocks). Call once, last.
  Status Finish();
  const TarStats& stats() const { return stats_; }

 private:
  explicit TarWriter(struct archive* a) : a_(a) {}
  Status WriteContent(Basin& basin, const TreeEntry& e);
  Status Check(int rc, std::string_view what, const std::string& name);

  struct archive* a_;
  Status status_;
  TarStats stats_;
  std::map<std::pair<uint64_t, uint64_t>, std::string> links_;  // (device, inode) -> name
};

// Writes the entry at `path` (absolute, in the tree `root`) and everything below it as a
// tar archive to `fd`, named by their paths in the snapshot without the leading '/' (as
// tar names what it archives from absolute paths); "/" writes the whole snapshot.
// NotFound when there is no such path; otherwise as TarWriter::Add.
Status WriteTar(Basin& basin, const GrainId& root, std::string_view path, int fd,
                const DumpWarning& warning, TarStats* stats);

// Calls `out` with the content of the file entry `e`, in order, holes as zeros (in pieces
// of at most 64 KiB): e.size bytes in all. As ReadFileContent for errors.
Status StreamFileContent(Basin& basin, const TreeEntry& e,
                         const std::function<Status(std::string_view)>& out);

}  // namespace basin::snap

#endif  // BASIN_SNAPSHOT_TAR_WRITER_H_
