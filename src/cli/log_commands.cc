// basin log append|cat|inspect|verify|recover: operate record logs by hand, as RocksDB's
// ldb and sst_dump do for its files. FILE is a store URL or path naming a block file (one
// object, or one object per block), a basic record file, or a segment directory; which one
// is told by DetectRecordFile (record_file.h), and every flavour is read and written through
// the RecordFile and RecordWriter interfaces.
#include <fmt/format.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "basin/basic_record_file.h"
#include "basin/log_directory.h"
#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/record_file.h"
#include "basin/store_url.h"
#include "cli/command.h"
#include "cli/record_input.h"

namespace basin::cli {
namespace {

// `basin log append` makes what it has read durable at least this often.
constexpr std::chrono::milliseconds kDurableWithin{1000};

struct LogTarget {
  std::shared_ptr<ObjectStore> store;
  std::string key;
  std::string url;
  std::optional<RecordFileKind> kind;  // none: nothing there
  bool wants_directory = false;        // the URL ends in '/'
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
  auto kind = DetectRecordFile(*t.store, t.key);
  if (kind.ok()) {
    t.kind = *kind;
  } else if (!kind.status().IsNotFound()) {
    return kind.status();
  }
  return t;
}

Result<std::unique_ptr<RecordFile>> OpenForReading(const LogTarget& t) {
  if (!t.kind) return Status::NotFound(fmt::format("no log at '{}'", t.url));
  return OpenRecordFile(t.store, t.key);
}

// What opening a writer repaired, on stderr: repairs are never silent.
void ReportRepair(const LogTarget& t, const RecoveryReport& r) {
  if (!r.changed) return;
  fmt::print(stderr, "basin: {} was not closed by its last writer; repaired before appending:\n",
             t.url);
  std::string text = r.ToString();
  for (size_t at = 0; at < text.size();) {
    const size_t nl = text.find('\n', at);
    fmt::print(stderr, "  {}\n", text.substr(at, nl - at));
    at = nl == std::string::npos ? text.size() : nl + 1;
  }
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
  const RecordFileKind new_kind = a.basic             ? RecordFileKind::kBasicFile
                                  : t.wants_directory ? RecordFileKind::kSegmentDirectory
                                                      : RecordFileKind::kBlockFile;
  auto w = OpenRecordWriter(t.store, t.key, new_kind, o);
  if (w.status().IsNotSupported() && !t.kind && new_kind == RecordFileKind::kBlockFile) {
    o.layout = LogLayout::kObjectPerBlock;  // the store cannot append in place
    w = OpenRecordWriter(t.store, t.key, new_kind, o);
  }
  BASIN_RETURN_IF_ERROR(w.status());
  RecordWriter& writer = **w;
  ReportRepair(t, writer.recovery());
  const uint64_t first = writer.next_entry();
  uint64_t count = 0;
  BASIN_RETURN_IF_ERROR(ReadRecords(
      STDIN_FILENO, a.nul ? '\0' : '\n', kDurableWithin,
      [&](std::string_view rec) {
        ++count;
        return writer.Append(rec).status();
      },
      [&] { return writer.Sync(); }));
  BASIN_RETURN_IF_ERROR(writer.Close());
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
  BASIN_ASSIGN_OR_RETURN(auto file, OpenForReading(t));
  std::unique_ptr<RecordIterator> it = file->NewIterator();
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
  if (!info.has_header) {
    fmt::print(
        "header:       none: {} bytes, less than a header (its writer died creating the log); "
        "an empty log\n",
        info.size);
    return;
  }
  fmt::print("sealed:       {}{}\n", info.sealed ? "yes" : "no (its writer did not close it)",
             info.holes ? ", with blocks dropped by recovery" : "");
  fmt::print("header:       version {}, block size {}, compression {}, segment {}\n",
             info.format_version, info.block_size, CompressionName(info.compression), info.segment);
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
    fmt::print("footer:       {} bytes at offset {}\n", info.footer_size,
               info.size - info.footer_size);
  }
}

Status Inspect(const std::string& url) {
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(url));
  if (!t.kind) return Status::NotFound(fmt::format("no log at '{}'", t.url));
  switch (*t.kind) {
    case RecordFileKind::kBasicFile: {
      BASIN_ASSIGN_OR_RETURN(auto r, BasicRecordReader::Open(t.store, t.key));
      BASIN_ASSIGN_OR_RETURN(uint64_t n, r->Verify());
      BASIN_ASSIGN_OR_RETURN(uint64_t size, t.store->Head(t.key));
      fmt::print(
          "log:          {} (basic record file)\nentries:      {} records from id {}\n"
          "size:         {} bytes\n",
          t.url, n, r->first_entry(), size);
      return Status::OK();
    }
    case RecordFileKind::kEmpty:
    case RecordFileKind::kBlockFile: {
      BASIN_ASSIGN_OR_RETURN(auto r, LogReader::Open(t.store, t.key));
      PrintInfo(r->info(), t.url);
      return Status::OK();
    }
    case RecordFileKind::kSegmentDirectory: {
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
  BASIN_ASSIGN_OR_RETURN(auto file, OpenForReading(t));
  BASIN_ASSIGN_OR_RETURN(uint64_t records, file->Verify());
  const auto* block_file = dynamic_cast<const LogReader*>(file.get());
  const bool open =
      block_file != nullptr && block_file->info().has_header && !block_file->info().sealed;
  fmt::print("ok: {} ({}), {} records{}\n", t.url, RecordFileKindName(*t.kind), records,
             open ? " (not sealed: its writer has not closed it)" : "");
  return Status::OK();
}

Status Recover(const std::string& url, const std::string& mode_name) {
  BASIN_ASSIGN_OR_RETURN(RecoveryMode mode, ParseRecoveryMode(mode_name));
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(url));
  if (!t.kind) return Status::NotFound(fmt::format("no log at '{}'", t.url));
  BASIN_ASSIGN_OR_RETURN(RecoveryReport r, RecoverLog(t.store, t.key, mode));
  fmt::print("{}", r.ToString());
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
      "append",
      "Append records read from stdin, one per line (-z: NUL-separated). What has been read is "
      "made durable within a second, while input flows and while it waits; a log its last "
      "writer did not close is repaired first, and the repair printed on stderr");
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
