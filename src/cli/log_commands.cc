// basin log append|cat|inspect|verify|recover: operate record logs by hand, as RocksDB's
// ldb and sst_dump do for its files. FILE is a store URL or path naming a block file (one
// object, or one object per block), a basic record file, or a segment directory.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "basin/basic_record_file.h"
#include "basin/log_directory.h"
#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/store_url.h"
#include "cli/command.h"
#include "log/log_file.h"
#include "log/log_format.h"

namespace basin::cli {
namespace {

struct LogTarget {
  enum class Kind { kNone, kBlockFile, kBasicFile, kDirectory };
  std::shared_ptr<ObjectStore> store;
  std::string key;
  std::string url;
  Kind kind = Kind::kNone;
  bool wants_directory = false;  // the URL ends in '/'
};

Result<LogTarget> Resolve(const std::string& url) {
  LogTarget t;
  t.url = url;
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenStoreAndKey(url));
  t.store = sk.store;
  t.key = sk.key;
  t.wants_directory = !t.key.empty() && t.key.back() == '/';
  while (!t.key.empty() && t.key.back() == '/') t.key.pop_back();
  if (t.key.empty()) return Status::InvalidArgument(fmt::format("'{}' names no log", url));
  if (t.store->Head(t.key).ok()) {
    auto head = t.store->Get(t.key, ByteRange::Span(0, log::kHeaderRecordSize));
    log::RecordView r;
    log::FileHeader h;
    if (!head.ok() || !log::ParseRecord(*head, 0, &r).ok() ||
        !log::DecodeHeader(r.payload, &h).ok()) {
      // Not recognisably a log: a damaged block file, as far as the tools can tell.
      t.kind = LogTarget::Kind::kBlockFile;
    } else {
      t.kind = h.kind == log::FileKind::kBasicFile ? LogTarget::Kind::kBasicFile
                                                   : LogTarget::Kind::kBlockFile;
    }
    return t;
  }
  auto layout = log::DetectLayout(*t.store, t.key);
  if (layout.ok()) {
    t.kind = LogTarget::Kind::kBlockFile;
    return t;
  }
  BASIN_ASSIGN_OR_RETURN(auto segments, ListLogSegments(*t.store, t.key));
  if (!segments.empty()) t.kind = LogTarget::Kind::kDirectory;
  return t;
}

Status Absent(const LogTarget& t) { return Status::NotFound(fmt::format("no log at '{}'", t.url)); }

// Calls fn(record) for each record on stdin: lines without their newline, or
// NUL-terminated records.
template <typename F>
Status ForEachInput(bool nul, F&& fn) {
  char* line = nullptr;
  size_t cap = 0;
  Status s;
  while (s.ok()) {
    const ssize_t n = ::getdelim(&line, &cap, nul ? '\0' : '\n', stdin);
    if (n < 0) break;
    size_t len = static_cast<size_t>(n);
    if (len > 0 && line[len - 1] == (nul ? '\0' : '\n')) --len;
    s = fn(std::string_view(line, len));
  }
  std::free(line);
  if (s.ok() && std::ferror(stdin)) s = Status::IOError("reading standard input");
  return s;
}

struct AppendArgs {
  std::string file;
  uint32_t block_size = uint32_t{2} << 20;
  std::string compression = "none";
  int level = 0;
  bool nul = false;
  bool basic = false;
};

Status Append(const AppendArgs& a) {
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(a.file));
  LogOptions o;
  o.block_size = a.block_size;
  BASIN_ASSIGN_OR_RETURN(o.compression.type, ParseCompression(a.compression));
  o.compression.level = a.level;
  uint64_t count = 0, first = 0;
  auto run = [&](auto& writer) -> Status {
    first = writer->next_entry();
    BASIN_RETURN_IF_ERROR(ForEachInput(a.nul, [&](std::string_view rec) {
      ++count;
      return writer->Append(rec).status();
    }));
    return writer->Close();
  };
  Status s;
  if (t.kind == LogTarget::Kind::kDirectory ||
      (t.kind == LogTarget::Kind::kNone && t.wants_directory)) {
    LogDirectoryOptions d;
    d.log = o;
    BASIN_ASSIGN_OR_RETURN(auto w, LogDirectoryWriter::Open(t.store, t.key, d));
    s = run(w);
  } else if (t.kind == LogTarget::Kind::kBasicFile ||
             (t.kind == LogTarget::Kind::kNone && a.basic)) {
    BASIN_ASSIGN_OR_RETURN(auto w, BasicRecordWriter::Open(t.store, t.key));
    s = run(w);
  } else {
    auto w = LogWriter::Open(t.store, t.key, o);
    if (w.status().IsNotSupported() && t.kind == LogTarget::Kind::kNone) {
      o.layout = LogLayout::kObjectPerBlock;  // the store cannot append in place
      w = LogWriter::Open(t.store, t.key, o);
    }
    BASIN_RETURN_IF_ERROR(w.status());
    s = run(*w);
  }
  BASIN_RETURN_IF_ERROR(s);
  fmt::print(stderr, "appended {} records to {} (entries {} to {})\n", count, t.url, first,
             first + count - (count > 0 ? 1 : 0));
  return Status::OK();
}

struct CatArgs {
  std::string file;
  int64_t from_entry = -1;
  std::string from_address;
  bool nul = false;
};

Status Cat(const CatArgs& a) {
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(a.file));
  std::unique_ptr<LogReader> file;
  std::unique_ptr<LogDirectoryReader> dir;
  std::unique_ptr<BasicRecordReader> basic;
  std::unique_ptr<LogIterator> it;
  switch (t.kind) {
    case LogTarget::Kind::kNone:
      return Absent(t);
    case LogTarget::Kind::kBlockFile: {
      BASIN_ASSIGN_OR_RETURN(file, LogReader::Open(t.store, t.key));
      it = file->NewIterator();
      break;
    }
    case LogTarget::Kind::kBasicFile: {
      BASIN_ASSIGN_OR_RETURN(basic, BasicRecordReader::Open(t.store, t.key));
      it = basic->NewIterator();
      break;
    }
    case LogTarget::Kind::kDirectory: {
      BASIN_ASSIGN_OR_RETURN(dir, LogDirectoryReader::Open(t.store, t.key, {}));
      it = dir->NewIterator();
      break;
    }
  }
  if (a.from_entry >= 0) {
    BASIN_RETURN_IF_ERROR(it->SeekToEntry(static_cast<uint64_t>(a.from_entry)));
  } else if (!a.from_address.empty()) {
    char* end = nullptr;
    const uint64_t address = std::strtoull(a.from_address.c_str(), &end, 0);
    if (end == a.from_address.c_str() || *end != '\0') {
      return Status::InvalidArgument(fmt::format("bad address '{}'", a.from_address));
    }
    BASIN_RETURN_IF_ERROR(it->Seek(address));
  }
  const char sep = a.nul ? '\0' : '\n';
  while (it->Next()) {
    BASIN_RETURN_IF_ERROR(WriteAllTo(stdout, it->value(), "standard output"));
    if (std::fputc(sep, stdout) == EOF) return Status::IOError("writing standard output");
  }
  return it->status();
}

void PrintInfo(const LogInfo& info, std::string_view name) {
  fmt::print("log:          {} ({})\n", name,
             info.layout == LogLayout::kSingleObject ? "single object" : "one object per block");
  fmt::print("sealed:       {}{}\n", info.sealed ? "yes" : "no (its writer did not close it)",
             info.holes ? ", with blocks dropped by recovery" : "");
  fmt::print("header:       version {}, block size {}, compression {}, segment {}\n",
             log::kFormatVersion, info.block_size, CompressionName(info.compression), info.segment);
  fmt::print("entries:      {} records, ids {} to {}\n", info.record_count, info.first_entry,
             info.next_entry == 0 ? 0 : info.next_entry - 1);
  fmt::print("size:         {} bytes\n", info.size);
  fmt::print("blocks:       {}\n", info.blocks.size());
  if (!info.blocks.empty()) {
    fmt::print("  {:>8} {:>14} {:>10} {:>6} {:>12} {:>12} {:>8}\n", "block", "offset", "size",
               "compr", "first entry", "last entry", "records");
  }
  for (const LogBlock& b : info.blocks) {
    fmt::print("  {:>8} {:>14} {:>10} {:>6} {:>12} {:>12} {:>8}{}{}\n", b.number, b.offset,
               b.stored_size, b.compressed ? "yes" : "no", b.first_entry,
               b.records == 0 ? std::string("-") : std::to_string(b.first_entry + b.records - 1),
               b.records, b.continues ? "  (continues a record)" : "",
               b.has_trailer ? "" : "  (cut short, no trailer)");
  }
  if (info.sealed) {
    fmt::print("index:        {} records at offset {}\n", info.blocks.size(), info.index_offset);
    fmt::print("metadata:     {} bytes\n", info.metadata.size());
    fmt::print("footer:       {} bytes at offset {}\n", log::kFooterSize,
               info.size - log::kFooterSize);
  }
}

// Reads every record of a basic file (checking each CRC): how many there are.
Result<uint64_t> CountBasicRecords(const LogTarget& t, uint64_t* first_entry) {
  BASIN_ASSIGN_OR_RETURN(auto r, BasicRecordReader::Open(t.store, t.key));
  if (first_entry != nullptr) *first_entry = r->first_entry();
  auto it = r->NewIterator();
  uint64_t n = 0;
  while (it->Next()) ++n;
  BASIN_RETURN_IF_ERROR(it->status());
  return n;
}

Status Inspect(const std::string& url) {
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(url));
  switch (t.kind) {
    case LogTarget::Kind::kNone:
      return Absent(t);
    case LogTarget::Kind::kBasicFile: {
      uint64_t first = 0;
      BASIN_ASSIGN_OR_RETURN(uint64_t n, CountBasicRecords(t, &first));
      BASIN_ASSIGN_OR_RETURN(uint64_t size, t.store->Head(t.key));
      fmt::print(
          "log:          {} (basic record file)\nentries:      {} records from id {}\n"
          "size:         {} bytes\n",
          t.url, n, first, size);
      return Status::OK();
    }
    case LogTarget::Kind::kBlockFile: {
      BASIN_ASSIGN_OR_RETURN(auto r, LogReader::Open(t.store, t.key));
      PrintInfo(r->info(), t.url);
      return Status::OK();
    }
    case LogTarget::Kind::kDirectory: {
      BASIN_ASSIGN_OR_RETURN(auto d, LogDirectoryReader::Open(t.store, t.key, {}));
      fmt::print("directory:    {} ({} segments)\n", t.url, d->segments().size());
      for (uint32_t s : d->segments()) {
        fmt::print("\n");
        BASIN_ASSIGN_OR_RETURN(LogInfo info, d->SegmentInfo(s));
        PrintInfo(info, LogSegmentKey(t.key, s));
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

Status Verify(const std::string& url) {
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(url));
  switch (t.kind) {
    case LogTarget::Kind::kNone:
      return Absent(t);
    case LogTarget::Kind::kBasicFile: {
      BASIN_ASSIGN_OR_RETURN(uint64_t n, CountBasicRecords(t, nullptr));
      fmt::print("ok: {} records\n", n);
      return Status::OK();
    }
    case LogTarget::Kind::kBlockFile: {
      BASIN_ASSIGN_OR_RETURN(auto r, LogReader::Open(t.store, t.key));
      BASIN_RETURN_IF_ERROR(r->Verify());
      fmt::print("ok: {} blocks, {} records{}\n", r->info().blocks.size(), r->info().record_count,
                 r->info().sealed ? "" : " (not sealed)");
      return Status::OK();
    }
    case LogTarget::Kind::kDirectory: {
      BASIN_ASSIGN_OR_RETURN(auto d, LogDirectoryReader::Open(t.store, t.key, {}));
      BASIN_RETURN_IF_ERROR(d->Verify());
      fmt::print("ok: {} segments\n", d->segments().size());
      return Status::OK();
    }
  }
  return Status::OK();
}

Status Recover(const std::string& url, const std::string& mode_name) {
  BASIN_ASSIGN_OR_RETURN(RecoveryMode mode, ParseRecoveryMode(mode_name));
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(url));
  switch (t.kind) {
    case LogTarget::Kind::kNone:
      return Absent(t);
    case LogTarget::Kind::kBasicFile: {
      if (mode == RecoveryMode::kSkipDamaged) {
        return Status::NotSupported("a basic record file has no blocks to skip");
      }
      if (mode == RecoveryMode::kStrict) return Verify(url);
      BASIN_ASSIGN_OR_RETURN(auto w, BasicRecordWriter::Open(t.store, t.key));  // cuts a torn tail
      BASIN_RETURN_IF_ERROR(w->Close());
      fmt::print("point-in-time: {} records kept\n", w->next_entry());
      return Status::OK();
    }
    case LogTarget::Kind::kBlockFile: {
      BASIN_ASSIGN_OR_RETURN(RecoveryReport r, RecoverLog(t.store, t.key, mode));
      fmt::print("{}", r.ToString());
      return Status::OK();
    }
    case LogTarget::Kind::kDirectory: {
      BASIN_ASSIGN_OR_RETURN(auto segments, ListLogSegments(*t.store, t.key));
      for (uint32_t s : segments) {
        BASIN_ASSIGN_OR_RETURN(RecoveryReport r,
                               RecoverLog(t.store, LogSegmentKey(t.key, s), mode));
        fmt::print("segment {}: {}", s, r.ToString());
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

}  // namespace

void RegisterLogCommands(CLI::App& app, Outcome* outcome) {
  CLI::App* log = app.add_subcommand("log", "Write, read, check and repair record logs");
  log->require_subcommand(1);
  log->footer(
      "FILE is a store URL or path: a block file, a basic record file, or a segment directory\n"
      "(give a new directory with a trailing '/'). Format: docs/format/log.md.");

  auto append_args = std::make_shared<AppendArgs>();
  CLI::App* append = log->add_subcommand(
      "append", "Append records read from stdin, one per line (-z: NUL-separated)");
  append->add_option("FILE", append_args->file, "The log; created if absent")->required();
  append
      ->add_option("--block-size", append_args->block_size,
                   "Largest block in bytes, for a new log (default 2 MiB)")
      ->check(CLI::Range(1024u, 1u << 30));
  append->add_option("--compression", append_args->compression, "none, lz4 or zstd")
      ->check(CLI::IsMember({"none", "lz4", "zstd"}));
  append->add_option("--level", append_args->level, "Compression level (0: the codec's default)");
  append->add_flag("-z", append_args->nul, "Records are NUL-separated, not lines");
  append->add_flag("--basic", append_args->basic,
                   "Create a basic record file (records without blocks)");
  append->callback([=] { outcome->status = Append(*append_args); });

  auto cat_args = std::make_shared<CatArgs>();
  CLI::App* cat = log->add_subcommand("cat", "Print records in order, one per line (-z: NUL)");
  cat->add_option("FILE", cat_args->file, "The log")->required();
  auto* from_entry =
      cat->add_option("--from-entry", cat_args->from_entry, "Start at this entry id");
  auto* from_address = cat->add_option("--from-address", cat_args->from_address,
                                       "Start at this address (decimal or 0x hex)");
  from_entry->excludes(from_address);
  cat->add_flag("-z", cat_args->nul, "End each record with NUL instead of a newline");
  cat->callback([=] { outcome->status = Cat(*cat_args); });

  auto file = std::make_shared<std::string>();
  CLI::App* inspect = log->add_subcommand(
      "inspect", "Print the header, each block, the index, the footer and the totals");
  inspect->add_option("FILE", *file, "The log")->required();
  inspect->callback([=] { outcome->status = Inspect(*file); });

  CLI::App* verify = log->add_subcommand(
      "verify", "Check every checksum; on damage print where it starts and exit 1");
  verify->add_option("FILE", *file, "The log")->required();
  verify->callback([=] { outcome->status = Verify(*file); });

  auto mode = std::make_shared<std::string>();
  CLI::App* recover = log->add_subcommand(
      "recover", "Repair in place as the mode says, and print what was cut or skipped");
  recover->add_option("FILE", *file, "The log")->required();
  recover->add_option("--mode", *mode, "strict, point-in-time or skip-damaged")
      ->required()
      ->check(CLI::IsMember({"strict", "point-in-time", "skip-damaged"}));
  recover->callback([=] { outcome->status = Recover(*file, *mode); });
}

}  // namespace basin::cli
