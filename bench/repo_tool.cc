// Whole-basin benchmarks of the content store (BENCHMARKS.md), driven by bench/*.sh:
//   repo_tool init URL [--chunker min:avg:max KiB] [--data-mib N] [--meta-mib N]
//                      [--kdf-mib M] [--kdf-passes P]
//   repo_tool put-files URL LIST [--threads 2]   BasinWriter::PutBlob of each file named
//                                                  in LIST, from that many threads; one commit
//   repo_tool read-files LIST [--threads 2]       the same reads, nothing else (a stage alone)
//   repo_tool commits URL --count N               N commits of one small grain and a snapshot
//   repo_tool open URL                            Basin::Open: time and requests
// The password is "bench-password" (scripts pass the same to the basin CLI).
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "basin/counting_store.h"
#include "basin/store_url.h"
#include "repo_bench_util.h"

namespace basin::bench {
namespace {

constexpr char kPassword[] = "bench-password";

std::shared_ptr<CountingStore> Store(const std::string& url) {
  auto store = OpenStore(url);
  Check(store.status(), url);
  return std::make_shared<CountingStore>(*store);
}

std::unique_ptr<Basin> OpenBasin(std::shared_ptr<ObjectStore> store) {
  BasinOptions o;
  o.store = std::move(store);
  auto basin = Basin::Open(o, kPassword);
  Check(basin.status(), "open");
  return std::move(basin).value();
}

int Init(const Args& a) {
  InitOptions init;
  init.password = kPassword;
  init.kdf.mem_bytes = a.Number("--kdf-mib", init.kdf.mem_bytes >> 20) << 20;
  init.kdf.ops = a.Number("--kdf-passes", init.kdf.ops);
  BasinSettings& s = init.settings;
  if (a.flags.count("--chunker")) s.chunker = ParseChunker(a.Flag("--chunker", ""));
  s.data_stratum_size = a.Number("--data-mib", s.data_stratum_size >> 20) << 20;
  s.meta_stratum_size = a.Number("--meta-mib", s.meta_stratum_size >> 20) << 20;
  BasinOptions o;
  o.store = Store(a.words.at(1));
  Check(Basin::Init(o, init).status(), "init");
  fmt::print("initialised {}: chunks {}/{}/{} KiB, strata {} / {} MiB\n", a.words[1],
             s.chunker.min_size >> 10, s.chunker.avg_size >> 10, s.chunker.max_size >> 10,
             s.data_stratum_size >> 20, s.meta_stratum_size >> 20);
  return 0;
}

// Calls fn(path, read) for every file of `files` from `threads` threads; read fills a
// buffer from the file as PutBlob wants. Returns the bytes read.
uint64_t ForEachFile(
    const std::vector<std::string>& files, size_t threads,
    const std::function<void(const std::string&,
                             const std::function<Result<size_t>(char*, size_t)>&)>& fn) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> bytes{0};
  auto work = [&] {
    for (size_t i; (i = next++) < files.size();) {
      const int fd = ::open(files[i].c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) Check(Status::IOError("cannot open " + files[i]), "read");
      fn(files[i], [&](char* buf, size_t n) -> Result<size_t> {
        const ssize_t got = ::read(fd, buf, n);
        if (got < 0) return Status::IOError("reading " + files[i]);
        bytes += got;
        return static_cast<size_t>(got);
      });
      ::close(fd);
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  return bytes;
}

int PutFiles(const Args& a) {
  auto store = Store(a.words.at(1));
  const auto files = ReadLines(a.words.at(2));
  auto basin = OpenBasin(store);
  store->Reset();
  auto writer = (*basin).NewWriter();
  Check(writer.status(), "writer");
  BasinWriter& w = **writer;
  const auto t0 = Clock::now();
  const uint64_t bytes = ForEachFile(
      files, a.Number("--threads", 2),
      [&](const std::string& f, const auto& read) { Check(w.PutBlob(read).status(), "put " + f); });
  Check(w.Commit().status(), "commit");
  const double secs = Seconds(t0);
  const WriterStats s = w.stats();
  const StoreCounts c = store->counts();
  fmt::print(
      "put-files: {} files, {:.1f} MiB in {:.2f} s: {:.1f} MiB/s; grains new {} known {}; bytes "
      "new {:.1f} MiB, known {:.1f} MiB, stored {:.1f} MiB; strata {}; {} requests ({:.1f} per "
      "GB), {:.1f} MiB sent\n",
      files.size(), bytes / 1048576.0, secs, bytes / 1048576.0 / secs, s.grains_new, s.grains_known,
      s.bytes_new / 1048576.0, s.bytes_known / 1048576.0, s.bytes_stored / 1048576.0,
      s.strata_written, c.total_requests(), c.total_requests() / (bytes / 1e9),
      c.total_bytes_sent() / 1048576.0);
  fmt::print("{}", c.ToString());
  return 0;
}

int ReadFiles(const Args& a) {
  const auto files = ReadLines(a.words.at(1));
  const auto t0 = Clock::now();
  const uint64_t bytes =
      ForEachFile(files, a.Number("--threads", 2), [](const std::string&, const auto& read) {
        static thread_local std::string buf(1 << 20, '\0');
        while (true) {
          auto n = read(buf.data(), buf.size());
          Check(n.status(), "read");
          if (*n == 0) break;
        }
      });
  const double secs = Seconds(t0);
  fmt::print("read-files: {} files, {:.1f} MiB in {:.2f} s: {:.1f} MiB/s\n", files.size(),
             bytes / 1048576.0, secs, bytes / 1048576.0 / secs);
  return 0;
}

int Commits(const Args& a) {
  auto store = Store(a.words.at(1));
  auto basin = OpenBasin(store);
  const uint64_t n = a.Number("--count", 10000);
  auto writer = basin->NewWriter();
  Check(writer.status(), "writer");
  const auto t0 = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    const std::string grain = fmt::format("grain of commit {} {:>100}", i, "");
    Check((*writer)->Put(GrainType::kTree, grain).status(), "put");
    Check((*writer)->AddSnapshot(SyntheticId(3, i), fmt::format("snapshot {} summary", i)),
          "snapshot");
    Check((*writer)->Commit().status(), "commit");
  }
  const StoreCounts c = store->counts();
  fmt::print("commits: {} in {:.1f} s, {} requests ({:.1f} per commit)\n", n, Seconds(t0),
             c.total_requests(), double(c.total_requests()) / n);
  return 0;
}

int Open(const Args& a) {
  auto store = Store(a.words.at(1));
  const auto t0 = Clock::now();
  auto basin = OpenBasin(store);
  const double secs = Seconds(t0);
  const StoreCounts c = store->counts();
  fmt::print("open: seq {}, {} snapshots, in {:.3f} s with {} requests, {:.1f} KiB received\n{}",
             basin->sequence(), basin->Snapshots().size(), secs, c.total_requests(),
             c.total_bytes_received() / 1024.0, c.ToString());
  return 0;
}

int Main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv, 1);
  const std::string verb = a.words.empty() ? "" : a.words[0];
  if (verb == "init" && a.words.size() == 2) return Init(a);
  if (verb == "put-files" && a.words.size() == 3) return PutFiles(a);
  if (verb == "read-files" && a.words.size() == 2) return ReadFiles(a);
  if (verb == "commits" && a.words.size() == 2) return Commits(a);
  if (verb == "open" && a.words.size() == 2) return Open(a);
  fmt::print(stderr,
             "usage: repo_tool init|put-files|read-files|commits|open ... (see the source)\n");
  return 2;
}

}  // namespace
}  // namespace basin::bench

int main(int argc, char** argv) { return basin::bench::Main(argc, argv); }
