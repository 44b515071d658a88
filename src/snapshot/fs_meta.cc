#include "snapshot/fs_meta.h"

#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace basin::snap {

std::string OwnerNames::User(uint32_t uid) {
  std::lock_guard lock(mu_);
  auto it = users_.find(uid);
  if (it != users_.end()) return it->second;
  std::vector<char> buf(16384);
  passwd pw{}, *result = nullptr;
  std::string name;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr) {
    name = pw.pw_name;
  }
  users_.emplace(uid, name);
  return name;
}

std::string OwnerNames::Group(uint32_t gid) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(gid);
  if (it != groups_.end()) return it->second;
  std::vector<char> buf(16384);
  group gr{}, *result = nullptr;
  std::string name;
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &result) == 0 && result != nullptr) {
    name = gr.gr_name;
  }
  groups_.emplace(gid, name);
  return name;
}

bool EntryFromStat(const struct stat& st, OwnerNames* names, TreeEntry* e) {
  switch (st.st_mode & S_IFMT) {
    case S_IFREG:
      e->type = EntryType::kFile;
      break;
    case S_IFDIR:
      e->type = EntryType::kDirectory;
      break;
    case S_IFLNK:
      e->type = EntryType::kSymlink;
      break;
    case S_IFIFO:
      e->type = EntryType::kFifo;
      break;
    case S_IFSOCK:
      e->type = EntryType::kSocket;
      break;
    case S_IFCHR:
      e->type = EntryType::kCharDevice;
      break;
    case S_IFBLK:
      e->type = EntryType::kBlockDevice;
      break;
    default:
      return false;
  }
  e->mode = st.st_mode & 07777;
  e->uid = st.st_uid;
  e->gid = st.st_gid;
  if (names != nullptr) {
    e->user = names->User(st.st_uid);
    e->group = names->Group(st.st_gid);
  }
  e->mtime = {st.st_mtim.tv_sec, static_cast<uint32_t>(st.st_mtim.tv_nsec)};
  e->ctime = {st.st_ctim.tv_sec, static_cast<uint32_t>(st.st_ctim.tv_nsec)};
  e->atime = {st.st_atim.tv_sec, static_cast<uint32_t>(st.st_atim.tv_nsec)};
  e->size = e->type == EntryType::kFile ? static_cast<uint64_t>(st.st_size) : 0;
  e->device = st.st_dev;
  e->inode = st.st_ino;
  e->links = st.st_nlink;
  if (e->type == EntryType::kCharDevice || e->type == EntryType::kBlockDevice) {
    e->rdev = st.st_rdev;
  }
  return true;
}

Status ErrnoStatus(int err, std::string_view what, const std::string& path) {
  const std::string msg = fmt::format("{} '{}': {}", what, path, std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return Status::NotFound(msg);
    case EACCES:
    case EPERM:
      return Status::PermissionDenied(msg);
    default:
      return Status::IOError(msg);
  }
}

mode_t TypeBits(EntryType type) {
  switch (type) {
    case EntryType::kFile:
      return S_IFREG;
    case EntryType::kDirectory:
      return S_IFDIR;
    case EntryType::kSymlink:
      return S_IFLNK;
    case EntryType::kFifo:
      return S_IFIFO;
    case EntryType::kSocket:
      return S_IFSOCK;
    case EntryType::kCharDevice:
      return S_IFCHR;
    case EntryType::kBlockDevice:
      return S_IFBLK;
  }
  return S_IFREG;
}

Status ReadXattrs(const std::string& path, TreeEntry* e) {
  std::vector<char> names(4096);
  ssize_t n;
  while ((n = ::llistxattr(path.c_str(), names.data(), names.size())) < 0 && errno == ERANGE) {
    const ssize_t need = ::llistxattr(path.c_str(), nullptr, 0);
    if (need < 0) break;
    names.resize(static_cast<size_t>(need) + 1);
  }
  if (n < 0) {
    if (errno == ENOTSUP || errno == ENOSYS) return Status::OK();
    return ErrnoStatus(errno, "listing extended attributes of", path);
  }
  std::vector<char> value(4096);
  for (ssize_t at = 0; at < n;) {
    const std::string name(names.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    if (name.empty()) continue;
    ssize_t v;
    while ((v = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size())) < 0 &&
           errno == ERANGE) {
      const ssize_t need = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
      if (need < 0) break;
      value.resize(static_cast<size_t>(need) + 1);
    }
    if (v < 0) {
      if (errno == ENODATA) continue;  // removed meanwhile
      return ErrnoStatus(errno, "reading extended attribute " + name + " of", path);
    }
    e->xattrs.emplace_back(name, std::string(value.data(), static_cast<size_t>(v)));
  }
  std::sort(e->xattrs.begin(), e->xattrs.end());
  return Status::OK();
}

bool GlobMatch(const std::string& pattern, std::string_view path) {
  if (pattern.find('/') == std::string::npos) {
    const size_t slash = path.rfind('/');
    const std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
    return ::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) == 0;
  }
  // A pattern for paths matches the path or any directory above it.
  std::string p(path);
  while (!p.empty()) {
    if (::fnmatch(pattern.c_str(), p.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0) return true;
    const size_t slash = p.rfind('/');
    if (slash == std::string::npos || slash == 0) break;
    p.resize(slash);
  }
  return false;
}

}  // namespace basin::snap
