// basin table build|get|scan|inspect|verify: sorted tables by hand, as RocksDB's sst_dump.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "basin/store_url.h"
#include "basin/table.h"
#include "cli/command.h"
#include "cli/repo_common.h"

namespace basin::cli {
namespace {

using nlohmann::json;

Result<StoreAndKey> OpenTable(const std::string& url) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenStoreAndKey(url));
  if (sk.key.empty() || sk.key.back() == '/') {
    return Status::InvalidArgument(fmt::format("'{}' names no table", url));
  }
  return sk;
}

std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    const auto u = static_cast<uint8_t>(c);
    out += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return s.size() > 40 ? out + "..." : out;
}

struct BuildArgs {
  std::string out;
  uint32_t block_size = 4096;
  uint32_t partition_size = TableOptions{}.partition_size;
  std::string compression = "none";
  bool sort = false;
  bool json = false;
};

Status Build(const BuildArgs& a) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenTable(a.out));
  TableOptions o;
  o.block_size = a.block_size;
  o.partition_size = a.partition_size;
  BASIN_ASSIGN_OR_RETURN(o.compression.type, ParseCompression(a.compression));
  o.max_key_size = 65535;
  o.max_value_size = 0xffffffffull;
  BASIN_ASSIGN_OR_RETURN(auto builder, TableBuilder::Open(sk.store, sk.key, o));
  std::vector<std::pair<std::string, std::string>> rows;  // with --sort
  std::string prev;
  char* line = nullptr;
  size_t cap = 0;
  uint64_t n = 0;
  Status s;
  for (ssize_t len; s.ok() && (len = ::getline(&line, &cap, stdin)) >= 0;) {
    ++n;
    std::string_view l(line, static_cast<size_t>(len));
    if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
    const size_t tab = l.find('\t');
    if (tab == std::string_view::npos) {
      s = Status::InvalidArgument(fmt::format("line {}: no TAB between key and value", n));
      break;
    }
    const std::string_view key = l.substr(0, tab), value = l.substr(tab + 1);
    if (a.sort) {
      rows.emplace_back(key, value);
      continue;
    }
    if (n > 1 && key <= std::string_view(prev)) {
      s = Status::InvalidArgument(fmt::format(
          "line {}: key '{}' is not greater than the key on the line before ('{}'); sort the "
          "input, or pass --sort",
          n, Shown(key), Shown(prev)));
      break;
    }
    prev.assign(key);
    s = builder->Add(key, value);
  }
  std::free(line);
  BASIN_RETURN_IF_ERROR(s);
  if (a.sort) {
    // Sorted by key, the last line given for a key wins.
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i + 1 < rows.size() && rows[i + 1].first == rows[i].first) continue;
      BASIN_RETURN_IF_ERROR(builder->Add(rows[i].first, rows[i].second));
    }
  }
  BASIN_RETURN_IF_ERROR(builder->Finish());
  if (a.json) {
    fmt::print("{}\n", JsonText(json{{"table", a.out},
                                     {"entries", builder->entries()},
                                     {"bytes", builder->bytes_written()}}));
    return Status::OK();
  }
  fmt::print(stderr, "built {} with {} entries, {} bytes\n", a.out, builder->entries(),
             builder->bytes_written());
  return Status::OK();
}

// One row as --json shows it: {"key": ..., "value": ...} (_base64 when not UTF-8).
std::string RowJson(std::string_view key, std::string_view value) {
  json j = json::object();
  PutBytes(j, "key", key);
  PutBytes(j, "value", value);
  return JsonText(j) + "\n";
}

Status Get(const std::string& file, const std::string& key, bool as_json) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenTable(file));
  BASIN_ASSIGN_OR_RETURN(auto r, TableReader::Open(sk.store, sk.key));
  std::string value;
  Status s = r->GetRow(key, &value);
  if (s.IsNotFound())
    return Status::NotFound(fmt::format("key '{}' is not in {}", Shown(key), file));
  BASIN_RETURN_IF_ERROR(s);
  if (as_json) return WriteAllTo(stdout, RowJson(key, value), "standard output");
  value.push_back('\n');
  return WriteAllTo(stdout, value, "standard output");
}

struct ScanArgs {
  std::string file;
  std::optional<std::string> from, to;
  bool reverse = false;
  bool json = false;
};

Status Scan(const ScanArgs& a) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenTable(a.file));
  BASIN_ASSIGN_OR_RETURN(auto r, TableReader::Open(sk.store, sk.key));
  auto it = r->NewIterator();
  auto emit = [&]() -> Status {
    if (a.json) return WriteAllTo(stdout, RowJson(it->key(), it->value()), "standard output");
    std::string line(it->key());
    line += '\t';
    line += it->value();
    line += '\n';
    return WriteAllTo(stdout, line, "standard output");
  };
  if (!a.reverse) {
    for (a.from ? it->Seek(*a.from) : it->SeekToFirst(); it->Valid(); it->Next()) {
      if (a.to && it->key() >= *a.to) break;
      BASIN_RETURN_IF_ERROR(emit());
    }
  } else {
    // [from, to) backwards: start at the last key < to.
    if (a.to) {
      it->Seek(*a.to);
      if (it->Valid()) {
        it->Prev();
      } else if (it->status().ok()) {
        it->SeekToLast();
      }
    } else {
      it->SeekToLast();
    }
    for (; it->Valid(); it->Prev()) {
      if (a.from && it->key() < *a.from) break;
      BASIN_RETURN_IF_ERROR(emit());
    }
  }
  return it->status();
}

json InspectJson(const std::string& file, const TableProperties& p,
                 const std::vector<TableBlock>& blocks) {
  json j{{"table", file},
         {"size", p.file_size},
         {"format_version", p.format_version},
         {"entries", p.entries},
         {"raw_key_bytes", p.raw_key_bytes},
         {"raw_value_bytes", p.raw_value_bytes},
         {"compression", CompressionName(p.compression)},
         {"restart_interval", p.restart_interval},
         {"data_blocks", p.data_blocks},
         {"index",
          {{"levels", p.partitions == 0 ? 1 : 2},
           {"partitions", p.partitions},
           {"bytes", p.index_bytes}}},
         {"filter",
          {{"bytes", p.filter_bytes},
           {"probes", p.filter_probes},
           {"fp_estimate", p.filter_fp_estimate}}},
         {"footer_offset", p.file_size - 48},
         {"metadata_memory", p.metadata_memory}};
  PutBytes(j, "first_key", p.first_key);
  PutBytes(j, "last_key", p.last_key);
  json bl = json::array();
  for (const TableBlock& b : blocks) {
    json e{{"offset", b.offset}, {"size", b.size}};
    PutBytes(e, "separator", b.separator);
    bl.push_back(std::move(e));
  }
  j["blocks"] = std::move(bl);
  return j;
}

Status Inspect(const std::string& file, bool as_json) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenTable(file));
  BASIN_ASSIGN_OR_RETURN(auto r, TableReader::Open(sk.store, sk.key));
  BASIN_ASSIGN_OR_RETURN(TableProperties p, r->Properties());
  BASIN_ASSIGN_OR_RETURN(auto blocks, r->Blocks());
  if (as_json) {
    fmt::print("{}\n", JsonText(InspectJson(file, p, blocks)));
    return Status::OK();
  }
  fmt::print("table:        {}\n", file);
  fmt::print("size:         {} bytes\n", p.file_size);
  fmt::print("entries:      {} ({} key bytes, {} value bytes)\n", p.entries, p.raw_key_bytes,
             p.raw_value_bytes);
  fmt::print("keys:         '{}' to '{}'\n", Shown(p.first_key), Shown(p.last_key));
  fmt::print("compression:  {}; restart interval {}\n", CompressionName(p.compression),
             p.restart_interval);
  fmt::print("data blocks:  {}\n", p.data_blocks);
  fmt::print("  {:>8} {:>14} {:>10}  {}\n", "block", "offset", "size", "separator");
  for (size_t i = 0; i < blocks.size(); ++i) {
    fmt::print("  {:>8} {:>14} {:>10}  {}\n", i, blocks[i].offset, blocks[i].size,
               Shown(blocks[i].separator));
  }
  if (p.partitions == 0) {
    fmt::print("index:        single-level, {} entries, {} bytes in memory\n", blocks.size(),
               p.index_bytes);
  } else {
    fmt::print("index:        two-level, {} partitions, {} bytes\n", p.partitions, p.index_bytes);
  }
  if (p.filter_bytes > 0) {
    fmt::print(
        "filter:       bloom{}, {} bytes ({:.1f} bits per key), estimated false-positive rate "
        "{:.3f}%\n",
        p.partitions == 0 ? fmt::format(" ({} probes)", p.filter_probes)
                          : fmt::format(", {} partitions", p.partitions),
        p.filter_bytes, p.entries ? 8.0 * p.filter_bytes / p.entries : 0.0,
        100 * p.filter_fp_estimate);
  } else {
    fmt::print("filter:       none\n");
  }
  fmt::print("footer:       48 bytes at offset {}, format version {}\n", p.file_size - 48,
             p.format_version);
  fmt::print("metadata:     {} bytes in memory ({:.2f} bytes per key)\n", p.metadata_memory,
             p.entries ? static_cast<double>(p.metadata_memory) / p.entries : 0.0);
  return Status::OK();
}

Status Verify(const std::string& file, bool as_json) {
  BASIN_ASSIGN_OR_RETURN(StoreAndKey sk, OpenTable(file));
  BASIN_ASSIGN_OR_RETURN(auto r, TableReader::Open(sk.store, sk.key));
  BASIN_RETURN_IF_ERROR(r->Verify());
  BASIN_ASSIGN_OR_RETURN(TableProperties p, r->Properties());
  if (as_json) {
    fmt::print("{}\n", JsonText(json{{"ok", true},
                                     {"table", file},
                                     {"data_blocks", p.data_blocks},
                                     {"entries", p.entries}}));
    return Status::OK();
  }
  fmt::print("ok: {} data blocks, {} entries\n", p.data_blocks, p.entries);
  return Status::OK();
}

}  // namespace

void RegisterTableCommands(CLI::App& app, const GlobalOptions* options, Outcome* outcome) {
  CLI::App* table = app.add_subcommand("table", "Build, read and check sorted tables");
  table->require_subcommand(1);
  table->footer("FILE is a store URL or path. Format: docs/format/table.md.");

  auto b = std::make_shared<BuildArgs>();
  CLI::App* build = table->add_subcommand(
      "build", "Build a table from key<TAB>value lines on stdin (sorted, unless --sort)");
  build->add_option("OUT", b->out, "The table to write")->required();
  build->add_option("--block-size", b->block_size, "Target data block size (default 4096)")
      ->check(CLI::Range(256u, 1u << 30));
  build
      ->add_option("--partition-size", b->partition_size,
                   fmt::format("Target filter and index partition size (default {}); a table "
                               "whose filter and index fit in one is single-level",
                               b->partition_size))
      ->check(CLI::Range(256u, 1u << 30));
  build->add_option("--compression", b->compression, "none, lz4 or zstd")
      ->check(CLI::IsMember({"none", "lz4", "zstd"}));
  build->add_flag("--sort", b->sort, "Sort the input; the last value of a repeated key wins");
  build->callback([=] {
    b->json = options->json;
    outcome->status = Build(*b);
  });

  auto file = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  CLI::App* get = table->add_subcommand("get", "Print the value of KEY; exit 1 when absent");
  get->add_option("FILE", *file, "The table")->required();
  get->add_option("KEY", *key, "The key")->required();
  get->callback([=] { outcome->status = Get(*file, *key, options->json); });

  auto sc = std::make_shared<ScanArgs>();
  CLI::App* scan =
      table->add_subcommand("scan", "Print key<TAB>value lines for keys in [from, to)");
  scan->add_option("FILE", sc->file, "The table")->required();
  scan->add_option("--from", sc->from, "First key (inclusive)");
  scan->add_option("--to", sc->to, "Last key (exclusive)");
  scan->add_flag("--reverse", sc->reverse, "Largest key first");
  scan->callback([=] {
    sc->json = options->json;
    outcome->status = Scan(*sc);
  });

  CLI::App* inspect = table->add_subcommand(
      "inspect",
      "Print blocks, index and filter (levels, partitions, size, false-positive rate), footer");
  inspect->add_option("FILE", *file, "The table")->required();
  inspect->callback([=] { outcome->status = Inspect(*file, options->json); });

  CLI::App* verify =
      table->add_subcommand("verify", "Check every checksum; exit 1 naming the damaged block");
  verify->add_option("FILE", *file, "The table")->required();
  verify->callback([=] { outcome->status = Verify(*file, options->json); });
}

}  // namespace basin::cli
