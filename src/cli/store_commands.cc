// basin store put|get|stat|ls|rm|bench|sweep: look at and change objects in any store by hand.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "basin/counting_store.h"
#include "basin/crypto.h"
#include "basin/file_store.h"
#include "basin/store_url.h"
#include "cli/command.h"
#include "cli/repo_common.h"

namespace basin::cli {
namespace {

constexpr size_t kChunk = size_t{4} << 20;

Result<StoreAndKey> OpenObject(const std::string& url) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenStoreAndKey(url));
  if (sk.key.empty() || sk.key.back() == '/') {
    return Status::InvalidArgument(fmt::format("'{}' names no object (it ends in '/')", url));
  }
  return sk;
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr && f != stdin && f != stdout) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

Status Put(const std::string& url, const std::string& file, bool create_only) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenObject(url));
  FilePtr in(file == "-" ? stdin : std::fopen(file.c_str(), "rb"));
  if (!in) {
    return Status::NotFound(fmt::format("cannot open '{}': {}", file, std::strerror(errno)));
  }
  uint64_t total = 0;
  if (in.get() != stdin && std::fseek(in.get(), 0, SEEK_END) == 0) {
    total = static_cast<uint64_t>(std::ftell(in.get()));
    std::rewind(in.get());
  }
  BASIN_ASSIGN_OR_RETURN(
      auto writer,
      sk.store->NewWriter(sk.key, create_only ? PutMode::kCreateOnly : PutMode::kOverwrite));
  Progress progress("put " + sk.key, total);
  std::string buf(kChunk, '\0');
  while (true) {
    const size_t n = std::fread(buf.data(), 1, buf.size(), in.get());
    if (n > 0) BASIN_RETURN_IF_ERROR(writer->Append(std::string_view(buf.data(), n)));
    progress.Add(n);
    if (n < buf.size()) break;
  }
  if (std::ferror(in.get())) {
    writer->Abort();
    return Status::IOError(fmt::format("reading '{}'", file));
  }
  return writer->Close();
}

// Copies `size` bytes of `object` to `out` (named `name` in errors), with progress.
Status CopyOut(ReadableObject& object, uint64_t size, std::FILE* out, const std::string& name,
               const std::string& key) {
  Progress progress("get " + key, size);
  std::string buf;
  for (uint64_t off = 0; off < size; off += kChunk) {
    const uint64_t n = std::min<uint64_t>(kChunk, size - off);
    BASIN_RETURN_IF_ERROR(object.Read(off, n, &buf));
    BASIN_RETURN_IF_ERROR(WriteAllTo(out, buf, name));
    progress.Add(n);
  }
  if (std::fflush(out) != 0) return Status::IOError(fmt::format("writing '{}'", name));
  return Status::OK();
}

Status Get(const std::string& url, const std::string& file) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenObject(url));
  // One handle for every piece: they all come from one version of the object (or the
  // read fails saying it changed), never a mix of two.
  BASIN_ASSIGN_OR_RETURN(auto object, sk.store->OpenReadable(sk.key));
  const uint64_t size = object->size();
  if (file == "-") return CopyOut(*object, size, stdout, file, sk.key);
  // A file appears under its name whole or not at all: written beside it under a
  // temporary name, synced, then renamed (an interrupted get leaves only the temporary).
  const std::string temp = fmt::format("{}.basin-tmp-{}", file, ::getpid());
  FilePtr out(std::fopen(temp.c_str(), "wb"));
  if (!out) {
    return Status::IOError(fmt::format("cannot create '{}': {}", temp, std::strerror(errno)));
  }
  Status status = CopyOut(*object, size, out.get(), file, sk.key);
  if (status.ok() && ::fsync(::fileno(out.get())) != 0) {
    status = Status::IOError(fmt::format("syncing '{}': {}", temp, std::strerror(errno)));
  }
  if (std::fclose(out.release()) != 0 && status.ok()) {
    status = Status::IOError(fmt::format("closing '{}': {}", temp, std::strerror(errno)));
  }
  if (status.ok() && std::rename(temp.c_str(), file.c_str()) != 0) {
    status =
        Status::IOError(fmt::format("renaming '{}' to '{}': {}", temp, file, std::strerror(errno)));
  }
  if (!status.ok()) ::unlink(temp.c_str());
  return status;
}

// One object as --json shows it: {"key": ..., "size": ...}.
void PrintObject(bool json, std::string_view key, uint64_t size) {
  if (json) {
    fmt::print("{}\n", JsonText(nlohmann::json{{"key", key}, {"size", size}}));
  } else {
    fmt::print("{}\t{}\n", size, key);
  }
}

Status Stat(const std::string& url, bool json) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenObject(url));
  BASIN_ASSIGN_OR_RETURN(uint64_t size, sk.store->Head(sk.key));
  PrintObject(json, sk.key, size);
  return Status::OK();
}

// --json: one object per line (JSON lines), as `stat --json` prints one.
Status Ls(const std::string& url, bool json) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenStoreAndKey(url));
  ListOptions options;
  options.prefix = sk.key;
  while (true) {
    BASIN_ASSIGN_OR_RETURN(ListPage page, sk.store->List(options));
    for (const ObjectInfo& o : page.objects) PrintObject(json, o.key, o.size);
    if (!page.truncated || page.objects.empty()) break;
    options.start_after = page.objects.back().key;
  }
  return Status::OK();
}

struct BenchArgs {
  std::string url;
  uint64_t size = 4 << 20;
  int count = 64;
  int parallel = 4;
  bool keep = false;
  bool json = false;  // one JSON object per step instead of a line of text
};

// Puts, gets, lists and deletes `count` objects of `size` bytes under URL/basin-bench-*/,
// `parallel` requests at a time, and reports throughput and requests per GB moved.
Status Bench(const BenchArgs& a) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenStoreAndKey(a.url));
  if (a.count < 1 || a.parallel < 1)
    return Status::InvalidArgument("count and parallel must be >= 1");
  // Each request in flight holds an object's bytes (the gets), beside the one put buffer.
  if (a.size * static_cast<uint64_t>(a.parallel + 1) > (uint64_t{4} << 30)) {
    return Status::InvalidArgument(fmt::format(
        "--size {} with --parallel {} would hold over 4 GiB in memory: lower one of them", a.size,
        a.parallel));
  }
  auto counting = std::make_shared<CountingStore>(sk.store);
  std::string prefix = sk.key;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  prefix += fmt::format("basin-bench-{}/", ::getpid());
  std::string data(a.size, '\0');
  RandomBytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(data.data()), data.size()));
  auto run = [&](std::string_view what, auto&& op) -> Status {
    counting->Reset();
    std::atomic<int> next{0};
    std::mutex mu;
    Status first;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < a.parallel; ++t) {
      threads.emplace_back([&] {
        for (int i = next++; i < a.count; i = next++) {
          Status s = op(fmt::format("{}{:06}", prefix, i));
          if (!s.ok()) {
            std::lock_guard lock(mu);
            if (first.ok()) first = s;
            next = a.count;  // the first failure ends the step
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    BASIN_RETURN_IF_ERROR(first);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const StoreCounts c = counting->counts();
    const double bytes = static_cast<double>(c.total_bytes_sent() + c.total_bytes_received());
    if (a.json) {
      fmt::print("{}\n", nlohmann::json{{"step", what},
                                        {"requests", c.total_requests()},
                                        {"seconds", secs},
                                        {"bytes", bytes},
                                        {"objects", a.count},
                                        {"object_size", a.size},
                                        {"parallel", a.parallel}}
                             .dump());
      return Status::OK();
    }
    fmt::print("{:<7} {:>6} requests in {:.2f} s: {:8.1f} MB/s, {:8.0f} requests/s{}\n", what,
               c.total_requests(), secs, bytes / 1e6 / secs, c.total_requests() / secs,
               bytes > 0
                   ? fmt::format(", {:.0f} requests per GB", c.total_requests() / (bytes / 1e9))
                   : std::string());
    return Status::OK();
  };
  if (!a.json) {
    fmt::print("{}: {} objects of {} bytes, {} in flight\n", counting->url(), a.count, a.size,
               a.parallel);
  }
  BASIN_RETURN_IF_ERROR(run("put", [&](const std::string& k) { return counting->Put(k, data); }));
  BASIN_RETURN_IF_ERROR(run("get", [&](const std::string& k) {
    auto got = counting->Get(k);
    if (got.ok() && *got != data) return Status::Corruption("read back different bytes: " + k);
    return got.status();
  }));
  counting->Reset();
  const auto start = std::chrono::steady_clock::now();
  BASIN_ASSIGN_OR_RETURN(auto listed, counting->ListAll(prefix));
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (a.json) {
    fmt::print("{}\n", nlohmann::json{{"step", "list"},
                                      {"requests", counting->counts().total_requests()},
                                      {"seconds", secs},
                                      {"keys", listed.size()}}
                           .dump());
  } else {
    fmt::print("list    {:>6} requests in {:.2f} s: {} keys\n", counting->counts().total_requests(),
               secs, listed.size());
  }
  if (a.keep) return Status::OK();
  return run("delete", [&](const std::string& k) { return counting->Delete(k); });
}

Status Rm(const std::string& url) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenObject(url));
  return sk.store->Delete(sk.key);
}

// A local directory: temporary files no writer holds. S3: incomplete multipart uploads,
// their age on the server's clock.
// What a sweep did, as --json shows it.
void PrintSweep(const SweepReport& r, bool dry_run, std::string_view what) {
  fmt::print("{}\n", nlohmann::json{{"kind", what},
                                    {"dry_run", dry_run},
                                    {"removed", r.removed},
                                    {"bytes_freed", r.bytes_freed},
                                    {"skipped_in_use", r.skipped_in_use},
                                    {"skipped_young", r.skipped_young}}
                         .dump());
}

Status Sweep(const std::string& url, int64_t min_age_seconds, bool dry_run, bool json) {
  BASIN_ASSIGN_OR_RETURN(StoreUrl u, ParseStoreUrl(url));
  if (u.scheme != StoreUrl::Scheme::kFile && u.scheme != StoreUrl::Scheme::kS3) {
    return Status::InvalidArgument(
        "sweep is for stores in a local directory or on S3 (a memory store leaves nothing)");
  }
  if (min_age_seconds < 0) return Status::InvalidArgument("--min-age must not be negative");
  const auto min_age = std::chrono::seconds(min_age_seconds);
  if (u.scheme == StoreUrl::Scheme::kFile) {
    BASIN_ASSIGN_OR_RETURN(SweepReport r, SweepFileStore(u.path, min_age, dry_run));
    if (json) {
      PrintSweep(r, dry_run, "temporary files");
      return Status::OK();
    }
    fmt::print(
        "{} {} temporary files ({} bytes); left {} in use by a writer and {} younger than {} "
        "s\n",
        dry_run ? "would remove" : "removed", r.removed, r.bytes_freed, r.skipped_in_use,
        r.skipped_young, min_age_seconds);
    return Status::OK();
  }
  BASIN_ASSIGN_OR_RETURN(std::shared_ptr<ObjectStore> store, OpenStore(url));
  SweepOptions o;
  o.min_age = min_age;
  o.dry_run = dry_run;
  BASIN_ASSIGN_OR_RETURN(SweepReport r, store->Sweep(o));
  if (json) {
    PrintSweep(r, dry_run, "multipart uploads");
    return Status::OK();
  }
  fmt::print("{} {} incomplete multipart uploads; left {} started less than {} s ago\n",
             dry_run ? "would abort" : "aborted", r.removed, r.skipped_young, min_age_seconds);
  return Status::OK();
}

}  // namespace

void RegisterStoreCommands(CLI::App& app, const GlobalOptions* global, Outcome* outcome) {
  CLI::App* store = app.add_subcommand("store", "Look at and change objects in a store");
  store->require_subcommand(1);
  store->footer(
      "URL names a store and a key: file:///tmp/x/key (or /tmp/x/key), mem://NAME/key, or "
      "s3://bucket/key?endpoint=http://127.0.0.1:7480 (credentials from AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY or ~/.aws; the endpoint may come from AWS_ENDPOINT_URL; also "
      "region=, style=path|virtual, part_mib=, parts_in_flight=, and ca_file=PEM or "
      "AWS_CA_BUNDLE for a private CA over HTTPS).");

  struct Args {
    std::string url, file = "-";
    bool create_only = false;
  };
  auto args = std::make_shared<Args>();

  CLI::App* put = store->add_subcommand("put", "Store FILE (or standard input) as object URL");
  put->add_option("URL", args->url, "Object URL")->required();
  put->add_option("FILE", args->file, "File to read, - for standard input");
  put->add_flag("--create-only", args->create_only,
                "Fail if the object already exists (on S3: objects of at most "
                "(parts_in_flight + 1) x part_mib MiB, 40 MiB by default)");
  put->callback([=] { outcome->status = Put(args->url, args->file, args->create_only); });

  CLI::App* get = store->add_subcommand("get", "Write object URL to FILE (or standard output)");
  get->add_option("URL", args->url, "Object URL")->required();
  get->add_option("FILE", args->file, "File to write, - for standard output");
  get->callback([=] { outcome->status = Get(args->url, args->file); });

  CLI::App* stat = store->add_subcommand("stat", "Print the size of object URL");
  stat->add_option("URL", args->url, "Object URL")->required();
  stat->callback([=] { outcome->status = Stat(args->url, global->json); });

  CLI::App* ls = store->add_subcommand("ls", "List the objects under URL (size, key)");
  ls->add_option("URL", args->url, "Store URL or key prefix")->required();
  ls->callback([=] { outcome->status = Ls(args->url, global->json); });

  auto bench = std::make_shared<BenchArgs>();
  CLI::App* b = store->add_subcommand(
      "bench", "Measure put, get, list and delete: throughput and requests per GB");
  b->add_option("URL", bench->url, "Store URL (objects go under URL/basin-bench-PID/)")->required();
  b->add_option("--size", bench->size, "Object size in bytes (default 4 MiB, at most 1 GiB)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 30));
  b->add_option("--count", bench->count, "Objects (default 64)")->check(CLI::Range(1, 1000000));
  b->add_option("--parallel", bench->parallel, "Requests in flight (default 4, at most 256)")
      ->check(CLI::Range(1, 256));
  b->add_flag("--keep", bench->keep, "Keep the objects (no delete step)");
  b->callback([=] {
    bench->json = global->json;
    outcome->status = Bench(*bench);
  });

  CLI::App* rm = store->add_subcommand(
      "rm", "Delete object URL (an absent object is not an error; a missing bucket is)");
  rm->add_option("URL", args->url, "Object URL")->required();
  rm->callback([=] { outcome->status = Rm(args->url); });

  auto min_age = std::make_shared<int64_t>(900);
  auto sweep_dry = std::make_shared<bool>(false);
  CLI::App* sweep = store->add_subcommand(
      "sweep",
      "Remove what killed writers left unfinished: temporary files in a local store, "
      "incomplete multipart uploads on S3");
  sweep->add_option("URL", args->url, "Store URL (file://, a path, or s3://BUCKET/PREFIX)")
      ->required();
  sweep->add_option("--min-age", *min_age,
                    "Leave files written, or uploads started, less than this many seconds ago "
                    "(default 900; on S3 judged by the server's clock: make it longer than any "
                    "single upload may take)");
  sweep->add_flag("-n,--dry-run", *sweep_dry, "Count what would be removed; remove nothing");
  sweep->callback([=] { outcome->status = Sweep(args->url, *min_age, *sweep_dry, global->json); });
}

}  // namespace basin::cli
