// Compares two directory trees the way a backup tool must keep them: raw name bytes, type,
// content, mode (with setuid, setgid, sticky), owner, mtime to the nanosecond, extended
// attributes, symlink targets, hard-link groups and holes. Paths of any length (the walk
// goes by directory descriptors).
#ifndef BASIN_TESTS_TREE_COMPARE_H_
#define BASIN_TESTS_TREE_COMPARE_H_

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace basin::testing {

class TreeComparer {
 public:
  // Differences between trees `a` and `b` (empty when they match), each naming the path.
  std::vector<std::string> Compare(const std::string& a, const std::string& b) {
    const int fa = ::open(a.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const int fb = ::open(b.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fa < 0 || fb < 0) {
      diffs_.push_back("cannot open " + (fa < 0 ? a : b));
    } else {
      Dir(fa, fb, "");
    }
    if (fa >= 0) ::close(fa);
    if (fb >= 0) ::close(fb);
    return diffs_;
  }

 private:
  static std::vector<std::string> Names(int fd) {
    std::vector<std::string> out;
    DIR* d = ::fdopendir(::dup(fd));
    if (d == nullptr) return out;
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::vector<std::pair<std::string, std::string>> Xattrs(int dir, const std::string& name) {
    const std::string path = "/proc/self/fd/" + std::to_string(dir) + "/" + name;
    std::vector<std::pair<std::string, std::string>> out;
    char names[65536];
    const ssize_t n = ::llistxattr(path.c_str(), names, sizeof names);
    for (ssize_t at = 0; n > 0 && at < n;) {
      const std::string key(names + at);
      at += static_cast<ssize_t>(key.size()) + 1;
      char value[65536];
      const ssize_t v = ::lgetxattr(path.c_str(), key.c_str(), value, sizeof value);
      if (v >= 0) out.emplace_back(key, std::string(value, static_cast<size_t>(v)));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // The data extents of a file (offset, length), and its bytes in them.
  static bool Extents(int fd, off_t size, std::vector<std::pair<off_t, off_t>>* ext,
                      std::string* data) {
    off_t pos = 0;
    while (pos < size) {
      off_t start = ::lseek(fd, pos, SEEK_DATA);
      if (start < 0) break;
      off_t end = ::lseek(fd, start, SEEK_HOLE);
      if (end < 0) end = size;
      ext->emplace_back(start, end - start);
      std::string chunk(static_cast<size_t>(end - start), '\0');
      if (::pread(fd, chunk.data(), chunk.size(), start) != static_cast<ssize_t>(chunk.size())) {
        return false;
      }
      *data += chunk;
      pos = end;
    }
    return true;
  }

  void Entry(int da, int db, const std::string& name, const std::string& path) {
    struct stat a, b;
    if (::fstatat(da, name.c_str(), &a, AT_SYMLINK_NOFOLLOW) != 0 ||
        ::fstatat(db, name.c_str(), &b, AT_SYMLINK_NOFOLLOW) != 0) {
      return Diff(path, "cannot stat");
    }
    if ((a.st_mode & S_IFMT) != (b.st_mode & S_IFMT)) return Diff(path, "type differs");
    if (!S_ISLNK(a.st_mode) && (a.st_mode & 07777) != (b.st_mode & 07777)) {
      Diff(path, "mode differs");
    }
    if (a.st_uid != b.st_uid || a.st_gid != b.st_gid) Diff(path, "owner differs");
    if (!S_ISDIR(a.st_mode) &&
        (a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec)) {
      Diff(path, "mtime differs");
    }
    if (Xattrs(da, name) != Xattrs(db, name)) Diff(path, "xattrs differ");
    if (S_ISLNK(a.st_mode)) {
      char ta[8192], tb[8192];
      const ssize_t na = ::readlinkat(da, name.c_str(), ta, sizeof ta);
      const ssize_t nb = ::readlinkat(db, name.c_str(), tb, sizeof tb);
      if (na != nb ||
          std::string(ta, std::max<ssize_t>(na, 0)) != std::string(tb, std::max<ssize_t>(nb, 0))) {
        Diff(path, "symlink target differs");
      }
    } else if (S_ISREG(a.st_mode)) {
      if (a.st_size != b.st_size) return Diff(path, "size differs");
      if (a.st_nlink > 1) {
        // Hard links: the first path of each group on one side is the first on the other.
        auto [ia, fa] = links_a_.try_emplace({a.st_dev, a.st_ino}, path);
        auto [ib, fb] = links_b_.try_emplace({b.st_dev, b.st_ino}, path);
        if (ia->second != ib->second) Diff(path, "hard link group differs");
      }
      if (b.st_nlink != a.st_nlink) Diff(path, "link count differs");
      const int fa = ::openat(da, name.c_str(), O_RDONLY | O_CLOEXEC);
      const int fb = ::openat(db, name.c_str(), O_RDONLY | O_CLOEXEC);
      std::vector<std::pair<off_t, off_t>> ea, eb;
      std::string ca, cb;
      if (fa < 0 || fb < 0 || !Extents(fa, a.st_size, &ea, &ca) ||
          !Extents(fb, b.st_size, &eb, &cb)) {
        Diff(path, "cannot read");
      } else if (ca != cb) {
        Diff(path, "content differs");
      } else if (a.st_blocks < a.st_size / 512 && ea != eb) {
        Diff(path, "holes differ");  // only sparse sources must stay sparse
      }
      if (fa >= 0) ::close(fa);
      if (fb >= 0) ::close(fb);
    } else if (S_ISCHR(a.st_mode) || S_ISBLK(a.st_mode)) {
      if (a.st_rdev != b.st_rdev) Diff(path, "device numbers differ");
    } else if (S_ISDIR(a.st_mode)) {
      const int sa = ::openat(da, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      const int sb = ::openat(db, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sa >= 0 && sb >= 0) Dir(sa, sb, path);
      if (sa >= 0) ::close(sa);
      if (sb >= 0) ::close(sb);
      // Directory times are compared after their contents (which restore sets first).
      if (a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec) {
        Diff(path, "directory mtime differs");
      }
    }
  }

  void Dir(int da, int db, const std::string& path) {
    const auto na = Names(da), nb = Names(db);
    if (na != nb) {
      for (const auto& n : na) {
        if (!std::binary_search(nb.begin(), nb.end(), n)) Diff(path + "/" + n, "missing");
      }
      for (const auto& n : nb) {
        if (!std::binary_search(na.begin(), na.end(), n)) Diff(path + "/" + n, "extra");
      }
    }
    for (const auto& n : na) {
      if (std::binary_search(nb.begin(), nb.end(), n)) Entry(da, db, n, path + "/" + n);
    }
  }

  void Diff(const std::string& path, const std::string& what) {
    if (diffs_.size() < 50) diffs_.push_back(path.substr(0, 300) + ": " + what);
  }

  std::vector<std::string> diffs_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_a_, links_b_;
};

inline std::vector<std::string> CompareTrees(const std::string& a, const std::string& b) {
  return TreeComparer().Compare(a, b);
}

}  // namespace basin::testing

#endif  // BASIN_TESTS_TREE_COMPARE_H_
