// basin log append|cat|inspect|verify|recover: operate record logs by hand, as RocksDB's
// ldb and sst_dump do for its files. FILE is a store URL or path naming a block file (one
// object, or one object per block), a basic record file, or a segment directory; which one
// is told by DetectRecordFile (record_file.h), and every flavour is read and written through
// the RecordFile and RecordWriter interfaces.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
#include "cli/repo_common.h"

namespace basin::cli {
namespace {

using nlohmann::json;

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

json RecoveryJson(const RecoveryReport& r) {
  return json{{"kind", RecordFileKindName(r.kind)},
              {"mode", RecoveryModeName(r.mode)},
              {"was_sealed", r.was_sealed},
              {"changed", r.changed},
              {"contents_checked", r.contents_checked},
              {"blocks_kept", r.blocks_kept},
              {"records_kept", r.records_kept},
              {"bytes_cut", r.bytes_cut},
              {"objects_deleted", r.objects_deleted},
              {"emptied", r.emptied},
              {"damage", r.damage}};
}

struct AppendArgs {
  std::string file;
  uint32_t block_size = uint32_t{2} << 20;
  std::string compression = "none";
  int level = 0;
  bool nul = false;
  bool basic = false;
  bool json = false;
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
  if (a.json) {
    json j{{"file", t.url}, {"appended", count}, {"first_entry", first}};
    if (count > 0) j["last_entry"] = first + count - 1;
    if (writer.recovery().changed) j["repair"] = RecoveryJson(writer.recovery());
    fmt::print("{}\n", JsonText(j));
    return Status::OK();
  }
  fmt::print(stderr, "appended {} records to {} (entries {} to {})\n", count, t.url, first,
             first + count - (count > 0 ? 1 : 0));
  return Status::OK();
}

struct CatArgs {
  std::string file;
  int64_t from_entry = -1;
  std::string from_address;
  bool nul = false;
  bool json = false;
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
    if (a.json) {
      json j{{"entry", it->entry_id()}, {"address", it->position()}};
      PutBytes(j, "record", it->value());
      BASIN_RETURN_IF_ERROR(WriteAllTo(stdout, JsonText(j) + "\n", "standard output"));
      continue;
    }
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

json LogInfoJson(const LogInfo& info, std::string_view name) {
  json j{{"log", name},
         {"layout",
          info.layout == LogLayout::kSingleObject ? "single object" : "one object per block"},
         {"has_header", info.has_header},
         {"size", info.size}};
  if (!info.has_header) return j;
  j["sealed"] = info.sealed;
  j["holes"] = info.holes;
  j["format_version"] = info.format_version;
  j["block_size"] = info.block_size;
  j["compression"] = CompressionName(info.compression);
  j["segment"] = info.segment;
  j["records"] = info.record_count;
  j["first_entry"] = info.first_entry;
  j["next_entry"] = info.next_entry;
  json blocks = json::array();
  for (const LogBlock& b : info.blocks) {
    blocks.push_back(json{{"number", b.number},
                          {"offset", b.offset},
                          {"stored_size", b.stored_size},
                          {"compressed", b.compressed},
                          {"first_entry", b.first_entry},
                          {"records", b.records},
                          {"continues", b.continues},
                          {"has_trailer", b.has_trailer}});
  }
  j["blocks"] = std::move(blocks);
  if (info.sealed) {
    j["index_offset"] = info.index_offset;
    j["metadata_bytes"] = info.metadata.size();
    j["footer_offset"] = info.size - info.footer_size;
    j["footer_size"] = info.footer_size;
  }
  return j;
}

// Prints what `info` says: text for people, or (json) one object.
void ShowInfo(const LogInfo& info, std::string_view name, bool as_json) {
  if (as_json) {
    fmt::print("{}\n", JsonText(LogInfoJson(info, name)));
  } else {
    PrintInfo(info, name);
  }
}

Status Inspect(const std::string& url, bool as_json) {
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(url));
  if (!t.kind) return Status::NotFound(fmt::format("no log at '{}'", t.url));
  switch (*t.kind) {
    case RecordFileKind::kBasicFile: {
      BASIN_ASSIGN_OR_RETURN(auto r, BasicRecordReader::Open(t.store, t.key));
      BASIN_ASSIGN_OR_RETURN(uint64_t n, r->Verify());
      BASIN_ASSIGN_OR_RETURN(uint64_t size, t.store->Head(t.key));
      if (as_json) {
        fmt::print("{}\n", JsonText(json{{"log", t.url},
                                         {"kind", RecordFileKindName(*t.kind)},
                                         {"records", n},
                                         {"first_entry", r->first_entry()},
                                         {"size", size}}));
        return Status::OK();
      }
      fmt::print(
          "log:          {} (basic record file)\nentries:      {} records from id {}\n"
          "size:         {} bytes\n",
          t.url, n, r->first_entry(), size);
      return Status::OK();
    }
    case RecordFileKind::kEmpty:
    case RecordFileKind::kBlockFile: {
      BASIN_ASSIGN_OR_RETURN(auto r, LogReader::Open(t.store, t.key));
      ShowInfo(r->info(), t.url, as_json);
      return Status::OK();
    }
    case RecordFileKind::kSegmentDirectory: {
      BASIN_ASSIGN_OR_RETURN(auto d, LogDirectoryReader::Open(t.store, t.key, {}));
      json segments = json::array();
      if (!as_json) fmt::print("directory:    {} ({} segments)\n", t.url, d->segments().size());
      for (uint32_t s : d->segments()) {
        BASIN_ASSIGN_OR_RETURN(LogInfo info, d->SegmentInfo(s));
        if (as_json) {
          segments.push_back(LogInfoJson(info, LogSegmentKey(t.key, s)));
          continue;
        }
        fmt::print("\n");
        PrintInfo(info, LogSegmentKey(t.key, s));
      }
      if (as_json) {
        fmt::print("{}\n", JsonText(json{{"directory", t.url}, {"segments", segments}}));
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

Status Verify(const std::string& url, bool as_json) {
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(url));
  BASIN_ASSIGN_OR_RETURN(auto file, OpenForReading(t));
  BASIN_ASSIGN_OR_RETURN(uint64_t records, file->Verify());
  const auto* block_file = dynamic_cast<const LogReader*>(file.get());
  const bool open =
      block_file != nullptr && block_file->info().has_header && !block_file->info().sealed;
  if (as_json) {
    fmt::print("{}\n", JsonText(json{{"ok", true},
                                     {"log", t.url},
                                     {"kind", RecordFileKindName(*t.kind)},
                                     {"records", records},
                                     {"sealed", !open}}));
    return Status::OK();
  }
  fmt::print("ok: {} ({}), {} records{}\n", t.url, RecordFileKindName(*t.kind), records,
             open ? " (not sealed: its writer has not closed it)" : "");
  return Status::OK();
}

Status Recover(const std::string& url, const std::string& mode_name, bool as_json) {
  BASIN_ASSIGN_OR_RETURN(RecoveryMode mode, ParseRecoveryMode(mode_name));
  BASIN_ASSIGN_OR_RETURN(LogTarget t, Resolve(url));
  if (!t.kind) return Status::NotFound(fmt::format("no log at '{}'", t.url));
  BASIN_ASSIGN_OR_RETURN(RecoveryReport r, RecoverLog(t.store, t.key, mode));
  if (as_json) {
    json j = RecoveryJson(r);
    j["log"] = t.url;
    fmt::print("{}\n", JsonText(j));
    return Status::OK();
  }
  fmt::print("{}", r.ToString());
  return Status::OK();
}

}  // namespace

void RegisterLogCommands(CLI::App& app, const GlobalOptions* options, Outcome* outcome) {
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
  append->callback([=] {
    append_args->json = options->json;
    outcome->status = Append(*append_args);
  });

  auto cat_args = std::make_shared<CatArgs>();
  CLI::App* cat = log->add_subcommand("cat", "Print records in order, one per line (-z: NUL)");
  cat->add_option("FILE", cat_args->file, "The log")->required();
  auto* from_entry =
      cat->add_option("--from-entry", cat_args->from_entry, "Start at this entry id");
  auto* from_address = cat->add_option("--from-address", cat_args->from_address,
                                       "Start at this address (decimal or 0x hex)");
  from_entry->excludes(from_address);
  cat->add_flag("-z", cat_args->nul, "End each record with NUL instead of a newline");
  cat->callback([=] {
    cat_args->json = options->json;
    outcome->status = Cat(*cat_args);
  });

  auto file = std::make_shared<std::string>();
  CLI::App* inspect = log->add_subcommand(
      "inspect", "Print the header, each block, the index, the footer and the totals");
  inspect->add_option("FILE", *file, "The log")->required();
  inspect->callback([=] { outcome->status = Inspect(*file, options->json); });

  CLI::App* verify = log->add_subcommand(
      "verify", "Check every checksum; on damage print where it starts and exit 1");
  verify->add_option("FILE", *file, "The log")->required();
  verify->callback([=] { outcome->status = Verify(*file, options->json); });

  auto mode = std::make_shared<std::string>();
  CLI::App* recover = log->add_subcommand(
      "recover", "Repair in place as the mode says, and print what was cut or skipped");
  recover->add_option("FILE", *file, "The log")->required();
  recover->add_option("--mode", *mode, "strict, point-in-time or skip-damaged")
      ->required()
      ->check(CLI::IsMember({"strict", "point-in-time", "skip-damaged"}));
  recover->callback([=] { outcome->status = Recover(*file, *mode, options->json); });
}

}  // namespace basin::cli
