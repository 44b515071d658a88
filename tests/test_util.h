// Small helpers shared by basin's tests.
#ifndef BASIN_TESTS_TEST_UTIL_H_
#define BASIN_TESTS_TEST_UTIL_H_

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>

namespace basin::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/basin-test-XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets the process's umask until scope exit (for tests of the modes files get).
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

// n pseudo-random bytes, the same for the same seed.
inline std::string RandomBytes(size_t n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = static_cast<char>(v >> (8 * j));
  }
  return s;
}

// The number in environment variable `name` (decimal), or `fallback` when it is unset or
// not a number: for tests with a short CI form and a long one.
inline uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  return end != nullptr && *end == '\0' ? n : fallback;
}

// Writes a 20 MiB sparse file at `path`: "head" at 0, "middle" at 8 MiB, holes between and
// to the end. False if it could not.
inline bool WriteSparseFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool ok = ::pwrite(fd, "head", 4, 0) == 4 && ::pwrite(fd, "middle", 6, 8 << 20) == 6 &&
                  ::ftruncate(fd, 20 << 20) == 0;
  return ::close(fd) == 0 && ok;
}

// Runs `fn` in a child process that is not root (as root, it first drops to the user and
// group "nobody", 65534), and returns what fn returned, or -1 when the child could not
// drop its privileges or did not exit normally. For tests of permission errors, which
// root would not see. fn must not use gtest assertions (they would not reach the parent):
// it returns a code the parent checks.
inline int RunUnprivileged(const std::function<int()>& fn) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::geteuid() == 0) {
      const gid_t nogroup = 65534;
      if (::setgroups(1, &nogroup) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) {
        ::_exit(255);
      }
    }
    ::_exit(::geteuid() == 0 ? 255 : fn());
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

// The Status of a Status, or of a Result<T>.
template <typename T>
const auto& StatusOf(const T& v) {
  if constexpr (requires { v.status(); }) {
    return v.status();
  } else {
    return v;
  }
}

}  // namespace basin::testing

// ASSERT_OK(expr) / EXPECT_OK(expr): expr (a Status or a Result<T>) is OK; the failure
// message shows the expression and the status.
#define BASIN_CHECK_OK_(check, expr)                                           \
  do {                                                                         \
    const ::basin::Status basin_checked_ = ::basin::testing::StatusOf((expr)); \
    check(basin_checked_.ok()) << #expr << ": " << basin_checked_.ToString();  \
  } while (0)
#define ASSERT_OK(expr) BASIN_CHECK_OK_(ASSERT_TRUE, expr)
#define EXPECT_OK(expr) BASIN_CHECK_OK_(EXPECT_TRUE, expr)
// ASSERT_OK_AND_ASSIGN(lhs, expr): expr (a Result) is OK, and its value goes to lhs.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(BASIN_CONCAT_(basin_result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)                   \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

#endif  // BASIN_TESTS_TEST_UTIL_H_
