// Helpers of the tests against a real S3 server: Ceph's radosgw on 127.0.0.1, started by
// scripts/test.sh and bb (scripts/s3-server-start.sh), which export S3_ENDPOINT,
// S3_HTTPS_ENDPOINT, S3_CA_FILE, S3_ACCESS_KEY and S3_SECRET_KEY. A test that needs the
// server fails without one (REQUIRE_SERVER); none skips. Also ASSERT_OK / EXPECT_OK for a
// Status or a Result<T>.
#ifndef BASIN_TESTS_S3_TEST_UTIL_H_
#define BASIN_TESTS_S3_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "basin/object_store.h"
#include "basin/retrying_store.h"
#include "basin/s3_store.h"
#include "fault_proxy.h"
#include "s3_test_store.h"
#include "test_util.h"

namespace basin::testing {

#define REQUIRE_SERVER()                                                          \
  auto options_or = ::basin::testing::ServerOptions();                            \
  ASSERT_TRUE(options_or.has_value())                                             \
      << "no S3 server (S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY): run through " \
         "scripts/test.sh or bb test";                                            \
  S3Options options = *options_or

// A retry policy with short waits that counts the retries it makes into *retries.
inline RetryPolicy CountingRetries(int attempts, std::atomic<uint64_t>* retries) {
  RetryPolicy p;
  p.max_attempts = attempts;
  p.initial_backoff = std::chrono::milliseconds(5);
  p.max_backoff = std::chrono::milliseconds(200);
  p.sleep = [retries](std::chrono::milliseconds wait) {
    if (retries != nullptr) ++*retries;
    std::this_thread::sleep_for(wait);
  };
  return p;
}

// Options that reach the server through `proxy`, cutting stalls off after a second, with
// writers retrying `attempts` times.
inline S3Options ViaProxy(S3Options options, const FaultProxy& proxy, int attempts,
                          std::atomic<uint64_t>* retries = nullptr) {
  options.endpoint = "http://127.0.0.1:" + std::to_string(proxy.port());
  options.stall_seconds = 1;
  options.retry = CountingRetries(attempts, retries);
  return options;
}

// The S3 store through `proxy`, in a RetryingStore with the same policy (as OpenStore
// would wrap it).
inline std::shared_ptr<RetryingStore> ThroughProxy(const S3Options& options, FaultProxy& proxy,
                                                   int attempts,
                                                   std::atomic<uint64_t>* retries = nullptr) {
  const S3Options o = ViaProxy(options, proxy, attempts, retries);
  return std::make_shared<RetryingStore>(*OpenS3Store(o), o.retry);
}

// The port of an http://HOST:PORT endpoint.
inline int ServerPort(const S3Options& o) {
  const std::string_view p = std::string_view(o.endpoint).substr(o.endpoint.rfind(':') + 1);
  int port = 0;
  std::from_chars(p.data(), p.data() + p.size(), port);
  return port;
}

// Writes `data` through a writer in pieces of `chunk` bytes and closes it.
inline Status StreamObject(ObjectStore& store, const std::string& key, std::string_view data,
                           PutMode mode = PutMode::kOverwrite, size_t chunk = 1 << 20) {
  auto w = store.NewWriter(key, mode);
  if (!w.ok()) return w.status();
  for (size_t off = 0; off < data.size(); off += chunk) {
    BASIN_RETURN_IF_ERROR((*w)->Append(data.substr(off, chunk)));
  }
  return (*w)->Close();
}

#ifdef BASIN_BINARY
// Starts `basin ARGS...` with the test server's credentials, its standard input a pipe
// (whose writing end goes to *input) and its standard error /dev/null: a writer a test
// can feed and then kill. Ignores SIGPIPE. The child's pid, or -1.
inline pid_t SpawnBasinWithInput(std::vector<std::string> args, const S3Options& o, int* input) {
  args.insert(args.begin(), BASIN_BINARY);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string access = "AWS_ACCESS_KEY_ID=" + o.access_key;
  std::string secret = "AWS_SECRET_ACCESS_KEY=" + o.secret_key;
  std::vector<char*> envp = {access.data(), secret.data(), nullptr};
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, BASIN_BINARY, &actions, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  ::signal(SIGPIPE, SIG_IGN);
  *input = fds[1];
  return pid;
}

// Runs `basin ARGS` (shell words) with the test server's credentials; its exit code and
// standard error.
struct CommandResult {
  int exit_code = -1;
  std::string err;
};
inline CommandResult RunBasin(const std::string& args, const S3Options& o) {
  char path[] = "/tmp/basin-cli-err-XXXXXX";
  const int fd = ::mkstemp(path);
  ::close(fd);
  const std::string cmd = "AWS_ACCESS_KEY_ID='" + o.access_key + "' AWS_SECRET_ACCESS_KEY='" +
                          o.secret_key + "' " BASIN_BINARY " " + args + " >/dev/null 2>" + path;
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (std::FILE* f = std::fopen(path, "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) r.err.append(buf, n);
    std::fclose(f);
  }
  ::unlink(path);
  return r;
}
#endif

}  // namespace basin::testing

#endif  // BASIN_TESTS_S3_TEST_UTIL_H_
