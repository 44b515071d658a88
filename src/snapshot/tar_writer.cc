// Tar archives of snapshots (tar_writer.h), through libarchive's pax writer.
#include "snapshot/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include <fmt/format.h>

namespace basin::snap {
namespace {

constexpr size_t kZeros = 64 << 10;

const char* Zeros() {
  static const std::string zeros(kZeros, '\0');
  return zeros.data();
}

// Calls `out` with `n` zero bytes, in pieces.
Status ZeroFill(uint64_t n, const std::function<Status(std::string_view)>& out) {
  while (n > 0) {
    const size_t piece = static_cast<size_t>(std::min<uint64_t>(n, kZeros));
    BASIN_RETURN_IF_ERROR(out(std::string_view(Zeros(), piece)));
    n -= piece;
  }
  return Status::OK();
}

mode_t FileType(EntryType type) {
  switch (type) {
    case EntryType::kFile:
      return AE_IFREG;
    case EntryType::kDirectory:
      return AE_IFDIR;
    case EntryType::kSymlink:
      return AE_IFLNK;
    case EntryType::kFifo:
      return AE_IFIFO;
    case EntryType::kCharDevice:
      return AE_IFCHR;
    case EntryType::kBlockDevice:
      return AE_IFBLK;
    case EntryType::kSocket:
      return AE_IFSOCK;
  }
  return 0;
}

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

}  // namespace

Status StreamFileContent(Basin& basin, const TreeEntry& e,
                         const std::function<Status(std::string_view)>& out) {
  uint64_t at = 0;
  BASIN_RETURN_IF_ERROR(ReadFileContent(basin, e, [&](uint64_t offset, std::string_view data) {
    BASIN_RETURN_IF_ERROR(ZeroFill(offset - at, out));
    at = offset + data.size();
    return out(data);
  }));
  return ZeroFill(e.size - at, out);
}

Result<std::unique_ptr<TarWriter>> TarWriter::Open(int fd) {
  struct archive* a = archive_write_new();
  if (a == nullptr) return Status::IOError("libarchive: cannot create an archive writer");
  std::unique_ptr<TarWriter> w(new TarWriter(a));
  // Extended attributes as SCHILY.xattr only (GNU tar warns about LIBARCHIVE.xattr). Names
  // that are not text in the locale are kept as bytes (hdrcharset=BINARY, for those only).
  // The last block is not padded to a whole record: the same bytes to a file or a pipe.
  if (archive_write_set_format_pax(a) != ARCHIVE_OK ||
      archive_write_set_options(a, "xattrheader=SCHILY") != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    return Status::IOError(fmt::format("libarchive: {}", archive_error_string(a)));
  }
  return w;
}

TarWriter::~TarWriter() { archive_write_free(a_); }

Status TarWriter::Check(int rc, std::string_view what, const std::string& name) {
  if (rc >= ARCHIVE_WARN) return Status::OK();
  const char* why = archive_error_string(a_);
  Status s = Status::IOError(
      fmt::format("{} '{}' in the tar archive: {}", what, name, why != nullptr ? why : "failed"));
  if (status_.ok()) status_ = s;
  return s;
}

Status TarWriter::WriteContent(Basin& basin, const TreeEntry& e) {
  return StreamFileContent(basin, e, [&](std::string_view data) {
    const la_ssize_t n = archive_write_data(a_, data.data(), data.size());
    if (n < 0 || static_cast<size_t>(n) != data.size()) {
      return Check(ARCHIVE_FATAL, "writing the content of", e.name);
    }
    stats_.bytes += data.size();
    return Status::OK();
  });
}

Status TarWriter::Add(Basin& basin, const std::string& name, const TreeEntry& e,
                      const DumpWarning& warning) {
  BASIN_RETURN_IF_ERROR(status_);
  if (e.type == EntryType::kSocket) {
    ++stats_.left_out;
    if (warning) warning(name, Status::NotSupported("a socket cannot be held by a tar archive"));
    return Status::OK();
  }
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  archive_entry* a = entry.get();
  archive_entry_copy_pathname(a, name.c_str());
  archive_entry_set_filetype(a, FileType(e.type));
  archive_entry_set_perm(a, e.mode & 07777);
  archive_entry_set_uid(a, e.uid);
  archive_entry_set_gid(a, e.gid);
  if (!e.user.empty()) archive_entry_copy_uname(a, e.user.c_str());
  if (!e.group.empty()) archive_entry_copy_gname(a, e.group.c_str());
  archive_entry_set_mtime(a, e.mtime.sec, e.mtime.nsec);
  for (const auto& [key, value] : e.xattrs) {
    archive_entry_xattr_add_entry(a, key.c_str(), value.data(), value.size());
  }
  bool content = false;
  switch (e.type) {
    case EntryType::kFile: {
      const std::string* first = nullptr;
      if (e.links > 1) {
        auto [it, inserted] = links_.try_emplace(std::make_pair(e.device, e.inode), name);
        if (!inserted) first = &it->second;
      }
      if (first != nullptr) {
        archive_entry_copy_hardlink(a, first->c_str());
        archive_entry_set_size(a, 0);
      } else {
        archive_entry_set_size(a, static_cast<la_int64_t>(e.size));
        content = e.size > 0;
      }
      break;
    }
    case EntryType::kSymlink:
      archive_entry_copy_symlink(a, e.symlink_target.c_str());
      break;
    case EntryType::kCharDevice:
    case EntryType::kBlockDevice:
      archive_entry_set_rdevmajor(a, major(static_cast<dev_t>(e.rdev)));
      archive_entry_set_rdevminor(a, minor(static_cast<dev_t>(e.rdev)));
      break;
    default:
      break;
  }
  BASIN_RETURN_IF_ERROR(Check(archive_write_header(a_, a), "adding", name));
  if (content) BASIN_RETURN_IF_ERROR(WriteContent(basin, e));
  BASIN_RETURN_IF_ERROR(Check(archive_write_finish_entry(a_), "ending", name));
  ++stats_.entries;
  return Status::OK();
}

Status TarWriter::Finish() {
  BASIN_RETURN_IF_ERROR(status_);
  return Check(archive_write_close(a_), "closing", "the archive");
}

Status WriteTar(Basin& basin, const GrainId& root, std::string_view path, int fd,
                const DumpWarning& warning, TarStats* stats) {
  BASIN_ASSIGN_OR_RETURN(TreeEntry top, FindPath(basin, root, path));
  BASIN_ASSIGN_OR_RETURN(auto writer, TarWriter::Open(fd));
  const auto relative = [](std::string_view p) {
    while (!p.empty() && p[0] == '/') p.remove_prefix(1);
    return std::string(p);
  };
  // The entry itself (the root of the snapshot has no name: it is not written).
  const std::string top_name = relative(path);
  if (!top_name.empty()) BASIN_RETURN_IF_ERROR(writer->Add(basin, top_name, top, warning));
  if (top.type == EntryType::kDirectory) {
    BASIN_RETURN_IF_ERROR(
        WalkTree(basin, root, path, [&](const std::string& p, const TreeEntry& e) -> Result<bool> {
          BASIN_RETURN_IF_ERROR(writer->Add(basin, relative(p), e, warning));
          return true;
        }));
  }
  BASIN_RETURN_IF_ERROR(writer->Finish());
  if (stats != nullptr) *stats = writer->stats();
  return Status::OK();
}

}  // namespace basin::snap
