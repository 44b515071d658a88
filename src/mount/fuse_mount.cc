// The libfuse3 glue. fuse_get_context()->private_data is the Mount below; each open file's
// FileReader rides in fuse_file_info::fh. Entries never change once written, so the
// kernel may keep file pages (kernel_cache, keep_cache) and inode numbers are ours
// (use_ino: hard links show one inode).
#define FUSE_USE_VERSION 312
#include "mount/fuse_mount.h"

#include <fcntl.h>
#include <fuse.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace basin::mount {
namespace {

struct Mount {
  SnapshotFs* fs;
  const FuseMountOptions* options;
};

Mount& Self() { return *static_cast<Mount*>(fuse_get_context()->private_data); }

// The errno for a failed request; failures other than absence are reported.
int Fail(const char* path, const Status& s) {
  if (s.IsNotFound()) return -ENOENT;
  if (Self().options->error) Self().options->error(path, s);
  if (s.IsInvalidArgument()) return -EINVAL;
  if (s.IsPermissionDenied()) return -EACCES;
  return -EIO;
}

FileReader* Reader(const fuse_file_info* fi) { return reinterpret_cast<FileReader*>(fi->fh); }

void* Init(fuse_conn_info*, fuse_config* cfg) {
  cfg->use_ino = 1;
  cfg->kernel_cache = 1;
  return fuse_get_context()->private_data;
}

int GetAttr(const char* path, struct stat* st, fuse_file_info*) {
  auto r = Self().fs->Stat(path);
  if (!r.ok()) return Fail(path, r.status());
  *st = *r;
  return 0;
}

int ReadLink(const char* path, char* buf, size_t size) {
  auto r = Self().fs->ReadLink(path);
  if (!r.ok()) return Fail(path, r.status());
  if (size == 0) return -EINVAL;
  const size_t n = std::min(r->size(), size - 1);  // cut to fit, as readlink(2) does
  std::memcpy(buf, r->data(), n);
  buf[n] = '\0';
  return 0;
}

int Open(const char* path, fuse_file_info* fi) {
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
  auto r = Self().fs->Open(path);
  if (!r.ok()) return Fail(path, r.status());
  fi->fh = reinterpret_cast<uint64_t>(r->release());
  fi->keep_cache = 1;
  return 0;
}

int Read(const char* path, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  if (offset < 0) return -EINVAL;
  auto r = Reader(fi)->Read(static_cast<uint64_t>(offset), size, buf);
  if (!r.ok()) return Fail(path, r.status());
  return static_cast<int>(*r);
}

int Release(const char*, fuse_file_info* fi) {
  delete Reader(fi);
  return 0;
}

off_t Lseek(const char* path, off_t offset, int whence, fuse_file_info* fi) {
  if (offset < 0 || (whence != SEEK_DATA && whence != SEEK_HOLE)) return -EINVAL;
  const uint64_t at = static_cast<uint64_t>(offset);
  auto r = whence == SEEK_DATA ? Reader(fi)->SeekData(at) : Reader(fi)->SeekHole(at);
  if (r.status().IsNotFound()) return -ENXIO;
  if (!r.ok()) return Fail(path, r.status());
  return static_cast<off_t>(*r);
}

int ReadDir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*,
            fuse_readdir_flags) {
  fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  std::string name;
  Status s = Self().fs->ReadDir(path, [&](std::string_view n, const struct stat& st) {
    name.assign(n);
    return fill(buf, name.c_str(), &st, 0, static_cast<fuse_fill_dir_flags>(0)) == 0;
  });
  return s.ok() ? 0 : Fail(path, s);
}

// Copies `data` out as getxattr and listxattr do: its size when size is 0, ERANGE when
// it does not fit.
int CopyOut(const std::string& data, char* out, size_t size) {
  if (size == 0) return static_cast<int>(data.size());
  if (data.size() > size) return -ERANGE;
  std::memcpy(out, data.data(), data.size());
  return static_cast<int>(data.size());
}

int GetXattr(const char* path, const char* name, char* value, size_t size) {
  auto r = Self().fs->GetXattr(path, name);
  if (r.status().IsNotFound()) return -ENODATA;
  if (!r.ok()) return Fail(path, r.status());
  return CopyOut(*r, value, size);
}

int ListXattr(const char* path, char* list, size_t size) {
  auto r = Self().fs->ListXattr(path);
  if (!r.ok()) return Fail(path, r.status());
  return CopyOut(*r, list, size);
}

int StatFs(const char*, struct statvfs* st) {
  *st = {};
  st->f_bsize = st->f_frsize = 4096;
  st->f_namemax = 255;
  return 0;
}

fuse_operations Operations() {
  fuse_operations ops{};
  ops.init = Init;
  ops.getattr = GetAttr;
  ops.readlink = ReadLink;
  ops.open = Open;
  ops.read = Read;
  ops.release = Release;
  ops.lseek = Lseek;
  ops.readdir = ReadDir;
  ops.getxattr = GetXattr;
  ops.listxattr = ListXattr;
  ops.statfs = StatFs;
  return ops;
}

}  // namespace

Status CheckMountable(const std::string& mountpoint) {
  struct stat st;
  if (::stat(mountpoint.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Status::NotFound(fmt::format(
          "the mount point '{}' does not exist: create an empty directory for it", mountpoint));
    }
    return Status::IOError(
        fmt::format("the mount point '{}': {}", mountpoint, std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(
        fmt::format("the mount point '{}' is not a directory", mountpoint));
  }
  const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Status::NotSupported(fmt::format(
        "FUSE is not available: /dev/fuse {} (install fuse3 and load the fuse module; in a "
        "container, give it the /dev/fuse device and CAP_SYS_ADMIN)",
        errno == ENOENT ? "does not exist"
                        : std::string("cannot be opened: ") + std::strerror(errno)));
  }
  ::close(fd);
  return Status::OK();
}

Status ServeFuse(SnapshotFs& fs, const FuseMountOptions& options) {
  BASIN_RETURN_IF_ERROR(CheckMountable(options.mountpoint));
  std::string mount_options = "ro,fsname=basin,subtype=basin";
  if (options.default_permissions) mount_options += ",default_permissions";
  if (options.allow_other) mount_options += ",allow_other";
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  for (const std::string& a : {std::string("basin"), std::string("-o"), mount_options}) {
    fuse_opt_add_arg(&args, a.c_str());
  }
  if (options.debug) fuse_opt_add_arg(&args, "-d");
  Mount self{&fs, &options};
  const fuse_operations ops = Operations();
  fuse* f = fuse_new(&args, &ops, sizeof ops, &self);
  fuse_opt_free_args(&args);
  if (f == nullptr) return Status::IOError("libfuse refused the mount options (see above)");
  Status result;
  if (fuse_mount(f, options.mountpoint.c_str()) != 0) {
    result = Status::IOError(
        fmt::format("mounting at '{}' failed (libfuse said why, above)", options.mountpoint));
  } else {
    fuse_session* se = fuse_get_session(f);
    fuse_set_signal_handlers(se);
    if (options.on_mounted) options.on_mounted();
    fuse_loop_config* config = fuse_loop_cfg_create();
    const int rc = fuse_loop_mt(f, config);
    fuse_loop_cfg_destroy(config);
    fuse_remove_signal_handlers(se);
    fuse_unmount(f);
    if (rc < 0) {
      result = Status::IOError(fmt::format("serving the mount at '{}' failed: {}",
                                           options.mountpoint, std::strerror(-rc)));
    }
  }
  fuse_destroy(f);
  return result;
}

}  // namespace basin::mount
