// A directory tree holding every kind of entry, and the names and metadata that trip backup
// tools: for tests that back a tree up and compare what comes back.
#ifndef BASIN_TESTS_AWKWARD_TREE_H_
#define BASIN_TESTS_AWKWARD_TREE_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test_util.h"

namespace basin::testing {

inline void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

inline void SetTimes(const std::string& path, int64_t sec, long nsec) {
  const timespec t[2] = {{sec, nsec}, {sec, nsec}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW), 0) << path;
}

// Files (empty, one byte, 100 KB, 3 MiB of random bytes, a 20 MiB sparse one), names with a
// newline, a backslash, bytes that are not UTF-8 and 255 bytes, dangling, absolute and
// looping symlinks, a FIFO, a hard link, setuid and sticky modes, an xattr, times before 1970
// and far in the future.
inline void MakeAwkwardTree(const std::string& root) {
  namespace fs = std::filesystem;
  fs::create_directories(root + "/dir/sub/empty");
  Write(root + "/empty-file", "");
  Write(root + "/one-byte", "x");
  Write(root + "/dir/text", std::string(100000, 'a'));
  Write(root + "/dir/random", basin::testing::RandomBytes(3 << 20, 5));
  Write(root + std::string("/new\nline"), "newline");
  Write(root + "/back\\slash", "backslash");
  Write(root + std::string("/not-utf8-\xff\xfe"), "bytes");
  Write(root + "/" + std::string(255, 'n'), "longest name");
  fs::create_symlink("does/not/exist", root + "/dangling");
  fs::create_symlink("/etc/hostname", root + "/absolute");
  fs::create_symlink("loop", root + "/loop");
  ASSERT_EQ(::mkfifo((root + "/fifo").c_str(), 0640), 0);
  Write(root + "/hard-a", "linked");
  fs::create_hard_link(root + "/hard-a", root + "/dir/hard-b");
  Write(root + "/modes", "suid");
  ::chmod((root + "/modes").c_str(), 06755);
  ::chmod((root + "/dir/sub").c_str(), 01777);
  Write(root + "/xattrs", "with attributes");
  ASSERT_EQ(::setxattr((root + "/xattrs").c_str(), "user.basin", "value\0x", 7, 0), 0);
  Write(root + "/old", "before 1970");
  SetTimes(root + "/old", -86400 * 365, 123456789);
  Write(root + "/future", "far future");
  SetTimes(root + "/future", 13'000'000'000LL, 999999999);  // year 2381
  ASSERT_TRUE(WriteSparseFile(root + "/sparse"));           // data, a hole, data, a hole at the end
  SetTimes(root + "/dir/sub", 1'600'000'000, 1);
}

}  // namespace basin::testing

#endif  // BASIN_TESTS_AWKWARD_TREE_H_
