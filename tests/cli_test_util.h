// Running the basin binary from CLI tests: through the shell with captured output, or in the
// background (to be killed or waited for).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace basin::testing {

// What one run of basin answered: exit code (-1 if it did not exit), stdout, stderr.
struct RunResult {
  int code;
  std::string out, err;
};

// The whole content of `path` ("" if it cannot be read).
inline std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `binary args` through the shell (`args` is a shell fragment) with `input` on stdin;
// the captured streams (and the local cache) are kept under `dir`. "init" and "key add" get a cheap
// key derivation (1 MiB, one pass) so that tests do not spend seconds in Argon2.
inline RunResult RunBasin(const std::string& binary, const std::string& dir, std::string args,
                          const std::string& input = "") {
  for (const char* verb : {"init ", "key add "}) {
    if (args.rfind(verb, 0) == 0)
      args.insert(std::strlen(verb), "--kdf-memory-mib 1 --kdf-passes 1 ");
  }
  static int n = 0;
  const std::string base = dir + "/.run" + std::to_string(n++);
  std::ofstream(base + ".in", std::ios::binary) << input;
  // The local cache of s3:// basins goes under `dir`, not the user's home, unless the test
  // chose a place.
  const std::string cmd = "XDG_CACHE_HOME=\"${XDG_CACHE_HOME:-" + dir + "/.cache}\" " + binary +
                          " " + args + " <" + base + ".in >" + base + ".out 2>" + base + ".err";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(base + ".out"), Slurp(base + ".err")};
}

// Starts `binary args...` in the background, stdout to /dev/null and stderr to `err_path`
// (created or truncated); its pid, or -1 if it could not start.
inline pid_t Spawn(const std::string& binary, const std::vector<std::string>& args,
                   const std::string& err_path = "/dev/null") {
  std::vector<std::string> all = {binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // The child gets the default SIGINT and SIGTERM handling, whatever this process ignores
  // (a background job ignores SIGINT), so that tests can interrupt it as a user would.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  if (posix_spawn(&pid, binary.c_str(), &fa, &attr, argv.data(), environ) != 0) pid = -1;
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// Waits for `pid`: its exit code, or minus the signal that ended it.
inline int WaitFor(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace basin::testing
