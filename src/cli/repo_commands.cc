// The content-store commands: basin init, key, blob, cat, stats, check, index.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "basin/maintenance.h"
#include "basin/snapshot.h"
#include "basin/store_url.h"
#include "cli/command.h"
#include "cli/repo_common.h"
#include "repo/basin_impl.h"
#include "repo/config.h"
#include "repo/journal.h"
#include "repo/stratum.h"

namespace basin::cli {
namespace {

using nlohmann::json;

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr && f != stdin && f != stdout) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

void PrintJson(const json& j) { fmt::print("{}\n", JsonText(j)); }

Status Init(const GlobalOptions& g) {
  BASIN_ASSIGN_OR_RETURN(std::string url, RepositoryUrl(g));
  BASIN_ASSIGN_OR_RETURN(auto store, OpenStore(url));
  BasinOptions options;
  options.store = store;
  InitOptions init;
  init.encrypted = !g.no_encryption;
  init.kdf = g.Kdf();
  if (!g.cold.empty()) {
    BASIN_ASSIGN_OR_RETURN(options.cold_store, OpenStore(g.cold));
    // Kept in the config as given, except a path: made absolute, so that commands run from
    // another directory find the same store.
    BASIN_ASSIGN_OR_RETURN(StoreUrl cold, ParseStoreUrl(g.cold));
    init.settings.cold_url =
        cold.scheme == StoreUrl::Scheme::kFile ? "file://" + cold.path : g.cold;
  }
  if (init.encrypted) {
    BASIN_ASSIGN_OR_RETURN(init.password, ReadPassword(g, /*confirm=*/true, "new password"));
  }
  auto basin = Basin::Init(options, init);
  WipeSecret(init.password);
  BASIN_RETURN_IF_ERROR(basin.status());
  if (g.json) {
    PrintJson({{"id", (*basin)->id_hex()},
               {"repository", url},
               {"cold", g.cold},
               {"encrypted", init.encrypted}});
  } else if (!g.quiet) {
    fmt::print("created basin {} at {}{}{}\n", (*basin)->id_hex(), url,
               g.cold.empty() ? "" : ", data on " + g.cold,
               init.encrypted ? "" : " (not encrypted)");
  }
  return Status::OK();
}

// ---- keys ----

Status KeyList(const GlobalOptions& g) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(auto keys, b.basin->ListKeys());
  if (g.json) {
    json out = json::array();
    for (const auto& k : keys) {
      out.push_back({{"id", k.id},
                     {"label", k.label},
                     {"current", k.current},
                     {"kdf", {{"ops", k.kdf.ops}, {"mem_bytes", k.kdf.mem_bytes}}}});
    }
    PrintJson(out);
    return Status::OK();
  }
  for (const auto& k : keys) {
    fmt::print("{} {}  {}  (Argon2id {} passes, {})\n", k.current ? "*" : " ", k.id, k.label,
               k.kdf.ops, HumanBytes(k.kdf.mem_bytes));
  }
  return Status::OK();
}

Status KeyAdd(const GlobalOptions& g, const std::string& new_file) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(std::string pw, ReadNewPassword(new_file));
  auto id = b.basin->AddKey(pw, g.Kdf());
  WipeSecret(pw);
  BASIN_RETURN_IF_ERROR(id.status());
  if (g.json) {
    PrintJson({{"id", *id}});
  } else if (!g.quiet) {
    fmt::print("added key {}\n", *id);
  }
  return Status::OK();
}

Status KeyRemove(const GlobalOptions& g, const std::string& id) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_RETURN_IF_ERROR(b.basin->RemoveKey(id));
  if (!g.quiet && !g.json) fmt::print("removed key {}\n", id);
  if (g.json) PrintJson({{"removed", id}});
  return Status::OK();
}

Status KeyPasswd(const GlobalOptions& g, const std::string& new_file) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(std::string pw, ReadNewPassword(new_file));
  Status s = b.basin->ChangePassword(pw, g.Kdf());
  WipeSecret(pw);
  BASIN_RETURN_IF_ERROR(s);
  if (!g.quiet && !g.json) fmt::print("password changed\n");
  if (g.json) PrintJson({{"changed", true}});
  return Status::OK();
}

// ---- blobs ----

Status BlobPut(const GlobalOptions& g, const std::string& file) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  FilePtr in(file == "-" ? stdin : std::fopen(file.c_str(), "rb"));
  if (!in) return Status::NotFound(fmt::format("cannot open '{}'", file));
  struct stat info;
  if (::fstat(::fileno(in.get()), &info) == 0 && S_ISDIR(info.st_mode)) {
    return Status::InvalidArgument(fmt::format("'{}' is a directory, not a file", file));
  }
  uint64_t total = 0;
  if (in.get() != stdin && std::fseek(in.get(), 0, SEEK_END) == 0) {
    total = static_cast<uint64_t>(std::ftell(in.get()));
    std::rewind(in.get());
  }
  BASIN_ASSIGN_OR_RETURN(auto writer, b.basin->NewWriter());
  auto progress = g.quiet ? nullptr : std::make_unique<Progress>("blob put", total);
  uint64_t size = 0;
  BASIN_ASSIGN_OR_RETURN(GrainId id, writer->PutBlob([&](char* buf, size_t n) -> Result<size_t> {
    const size_t got = std::fread(buf, 1, n, in.get());
    if (got < n && std::ferror(in.get())) {
      return Status::IOError(fmt::format("reading '{}'", file));
    }
    size += got;
    if (progress) progress->Add(got);
    return got;
  }));
  BASIN_ASSIGN_OR_RETURN(uint64_t seq, writer->Commit());
  progress.reset();
  const WriterStats st = writer->stats();
  if (g.json) {
    PrintJson({{"id", id.ToHex()},
               {"size", size},
               {"grains_new", st.grains_new},
               {"grains_known", st.grains_known},
               {"bytes_new", st.bytes_new},
               {"bytes_stored", st.bytes_stored},
               {"commit", seq},
               {"requests", RequestSummaryJson(b)}});
    return Status::OK();
  }
  fmt::print("{}\n", id.ToHex());
  if (g.verbose > 0) {
    fmt::print(stderr, "{} read, {} new in {} grains, {} stored; commit {}\n{}", HumanBytes(size),
               HumanBytes(st.bytes_new), st.grains_new, HumanBytes(st.bytes_stored), seq,
               RequestSummary(b));
  }
  return Status::OK();
}

Status BlobGet(const GlobalOptions& g, const std::string& id_hex, const std::string& file) {
  BASIN_ASSIGN_OR_RETURN(GrainId id, GrainId::FromHex(id_hex));
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  // Nothing reaches the output before the blob's first piece has been checked; a piece
  // that fails stops the output there, with an error.
  FilePtr out(file == "-" ? stdout : nullptr);
  std::string tmp;
  if (!out) {
    tmp = file + ".basin-partial";
    out.reset(std::fopen(tmp.c_str(), "wb"));
    if (!out) return Status::IOError(fmt::format("cannot create '{}'", tmp));
  }
  Status s = b.basin->ReadBlob(
      id, [&](std::string_view piece) { return WriteAllTo(out.get(), piece, file); });
  if (s.ok() && std::fflush(out.get()) != 0) s = Status::IOError("writing " + file);
  if (!tmp.empty()) {
    out.reset();
    if (s.ok() && std::rename(tmp.c_str(), file.c_str()) != 0) {
      s = Status::IOError(fmt::format("renaming '{}' to '{}'", tmp, file));
    }
    if (!s.ok()) std::remove(tmp.c_str());
  }
  return s;
}

// ---- cat ----

json SettingsJson(const BasinSettings& s) {
  return {{"chunker",
           {{"min", s.chunker.min_size}, {"avg", s.chunker.avg_size}, {"max", s.chunker.max_size}}},
          {"compression", std::string(CompressionName(s.compression))},
          {"compression_level", s.compression_level},
          {"data_stratum_size", s.data_stratum_size},
          {"meta_stratum_size", s.meta_stratum_size},
          {"checkpoint_interval", s.checkpoint_interval},
          {"cold_url", s.cold_url}};
}

json RecordJson(const repo::JournalRecord& r) {
  json j = {{"seq", r.seq}, {"time_ns", r.time_ns}, {"host", r.host}, {"program", r.program}};
  j["strata"] = json::array();
  for (const auto& s : r.strata) {
    j["strata"].push_back({{"id", repo::NameHex(s.id)},
                           {"stream", s.stream == repo::kStreamData ? "data" : "metadata"},
                           {"size", s.size},
                           {"grains", s.grains}});
  }
  j["index_tables"] = json::array();
  for (const auto& t : r.tables) {
    j["index_tables"].push_back(
        {{"name", repo::NameHex(t.name)}, {"size", t.size}, {"entries", t.entries}});
  }
  j["snapshots_added"] = json::array();
  for (const auto& s : r.snapshots_added) j["snapshots_added"].push_back(s.id.ToHex());
  j["snapshots_removed"] = json::array();
  for (const auto& s : r.snapshots_removed) j["snapshots_removed"].push_back(s.ToHex());
  j["merges"] = json::array();
  for (const auto& m : r.merges) {
    json inputs = json::array();
    for (const auto& in : m.inputs) inputs.push_back(repo::NameHex(in));
    j["merges"].push_back({{"output", repo::NameHex(m.output.name)}, {"inputs", inputs}});
  }
  return j;
}

Status Cat(const GlobalOptions& g, const std::string& what, const std::string& arg) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  auto& impl = static_cast<repo::BasinImpl&>(*b.basin);
  if (what == "config") {
    json slots = json::array();
    BASIN_ASSIGN_OR_RETURN(auto keys, b.basin->ListKeys());
    for (const auto& k : keys) slots.push_back({{"id", k.id}, {"label", k.label}});
    fmt::print("{}\n", JsonText(json({{"id", b.basin->id_hex()},
                                      {"version", repo::kFormatVersion},
                                      {"encrypted", b.basin->encrypted()},
                                      {"settings", SettingsJson(b.basin->settings())},
                                      {"keys", slots}}),
                                2));
    return Status::OK();
  }
  if (what == "journal" || what == "checkpoint") {
    std::string bytes;
    if (what == "checkpoint") {
      BASIN_RETURN_IF_ERROR(b.store->Get(repo::kCheckpointKey, ByteRange::All(), &bytes));
      BASIN_ASSIGN_OR_RETURN(auto c, repo::DecodeCheckpoint(bytes, impl.keys(), impl.basin_id()));
      json tables = json::array();
      for (const auto& t : c.tables) tables.push_back(repo::NameHex(t.name));
      fmt::print("{}\n", JsonText(json({{"seq", c.seq},
                                        {"folded_through", c.folded_through},
                                        {"index_tables", tables},
                                        {"snapshots", c.snapshots.size()},
                                        {"strata", c.strata},
                                        {"strata_bytes", c.strata_bytes}}),
                                  2));
      return Status::OK();
    }
    uint64_t first = 1, last = b.basin->sequence();
    if (!arg.empty()) {
      char* end = nullptr;
      first = last = std::strtoull(arg.c_str(), &end, 10);
      if (end == arg.c_str() || *end != '\0' || first == 0) {
        return Status::InvalidArgument(fmt::format("'{}' is not a journal sequence number", arg));
      }
    }
    for (uint64_t seq = first; seq <= last; ++seq) {
      BASIN_RETURN_IF_ERROR(b.store->Get(repo::JournalKey(seq), ByteRange::All(), &bytes));
      BASIN_ASSIGN_OR_RETURN(auto r, repo::DecodeRecord(bytes, seq, impl.keys(), impl.basin_id()));
      fmt::print("{}\n", JsonText(RecordJson(r), arg.empty() ? -1 : 2));
    }
    return Status::OK();
  }
  if (what == "grain") {
    BASIN_ASSIGN_OR_RETURN(GrainId id, GrainId::FromHex(arg));
    std::string data;
    GrainType type;
    BASIN_RETURN_IF_ERROR(b.basin->Get(id, &data, &type));
    return WriteAllTo(stdout, data, "standard output");
  }
  if (what == "stratum") {
    if (arg.size() != 32) return Status::InvalidArgument("a stratum id is 32 hex digits");
    repo::ObjectName name{};
    for (size_t i = 0; i < 16; ++i) {
      unsigned v = 0;
      if (std::sscanf(arg.c_str() + 2 * i, "%2x", &v) != 1) {
        return Status::InvalidArgument("a stratum id is 32 hex digits");
      }
      name[i] = static_cast<uint8_t>(v);
    }
    // A metadata stratum, or a data stratum's tail copy.
    auto tail = repo::ReadStratumTail(b.store.get(), repo::StratumKey(repo::kStreamMeta, name),
                                      false, impl.keys(), impl.basin_id(), &name);
    if (tail.status().IsNotFound()) {
      tail = repo::ReadStratumTail(b.store.get(), repo::TailKey(name), true, impl.keys(),
                                   impl.basin_id(), &name);
    }
    BASIN_RETURN_IF_ERROR(tail.status());
    BASIN_ASSIGN_OR_RETURN(auto entries, tail->Entries());
    json grains = json::array();
    for (const auto& e : entries) {
      grains.push_back({{"id", e.id.ToHex()},
                        {"type", std::string(GrainTypeName(static_cast<GrainType>(e.type)))},
                        {"offset", e.offset},
                        {"length", e.length},
                        {"raw_length", e.raw_length}});
    }
    fmt::print(
        "{}\n",
        JsonText(json({{"id", arg},
                       {"stream", tail->ref.stream == repo::kStreamData ? "data" : "metadata"},
                       {"size", tail->ref.size},
                       {"index_offset", tail->index_offset},
                       {"index_length", tail->index_length},
                       {"digest", tail->ref.digest.ToHex()},
                       {"grains", grains}}),
                 2));
    return Status::OK();
  }
  return Status::InvalidArgument(
      fmt::format("cat what? config, journal [SEQ], checkpoint, grain ID or stratum ID (not "
                  "'{}')",
                  what));
}

// ---- stats, check, index ----

Status Stats(const GlobalOptions& g) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(BasinStats s, ComputeStats(*b.basin));
  const double ratio = s.stored_bytes == 0 ? 0 : double(s.raw_bytes) / double(s.stored_bytes);
  if (g.json) {
    json types = json::object();
    for (int t = 1; t < 8; ++t) {
      if (s.grains_by_type[t] > 0) {
        types[std::string(GrainTypeName(static_cast<GrainType>(t)))] = s.grains_by_type[t];
      }
    }
    PrintJson({{"id", b.basin->id_hex()},
               {"commits", s.commits},
               {"snapshots", s.snapshots},
               {"index_tables", s.index_tables},
               {"strata", s.strata},
               {"strata_bytes", s.strata_bytes},
               {"grains", s.grains},
               {"grains_by_type", types},
               {"raw_bytes", s.raw_bytes},
               {"stored_bytes", s.stored_bytes},
               {"compression_ratio", ratio},
               {"requests", RequestSummaryJson(b)}});
    return Status::OK();
  }
  fmt::print("basin {}\n", b.basin->id_hex());
  fmt::print("  commits       {}\n  snapshots     {}\n  index tables  {}\n", s.commits, s.snapshots,
             s.index_tables);
  fmt::print("  strata        {} ({})\n  grains        {}", s.strata, HumanBytes(s.strata_bytes),
             s.grains);
  std::string sep = " (";
  for (int t = 1; t < 8; ++t) {
    if (s.grains_by_type[t] == 0) continue;
    fmt::print("{}{} {}", sep, s.grains_by_type[t], GrainTypeName(static_cast<GrainType>(t)));
    sep = ", ";
  }
  fmt::print("{}\n", sep == ", " ? ")" : "");
  fmt::print("  raw bytes     {}\n  stored bytes  {} (compression {:.2f}x)\n",
             HumanBytes(s.raw_bytes), HumanBytes(s.stored_bytes), ratio);
  fmt::print("requests of this command:\n{}", RequestSummary(b));
  return Status::OK();
}

// A fresh cache for one check, so that what it reads is the store's (repository.md,
// "Local cache"): deleted at scope exit.
class CheckCache {
 public:
  explicit CheckCache(GlobalOptions* g) {
    if (g->no_cache) return;
    const char* tmp = std::getenv("TMPDIR");
    std::string dir =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/basin-check-cache-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) return;
    dir_ = g->cache_dir = dir;
  }
  ~CheckCache() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

 private:
  std::string dir_;
};

Status Check(GlobalOptions g, bool read_data, const std::string& subset, bool with_cache) {
  std::optional<CheckCache> fresh;
  if (!with_cache) fresh.emplace(&g);
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  CheckOptions o;
  o.references = SnapshotReferences;
  o.read_data = read_data || !subset.empty();
  if (!subset.empty()) {
    char* end = nullptr;
    const double pct = std::strtod(subset.c_str(), &end);
    if (end == subset.c_str() || (*end != '\0' && std::string_view(end) != "%") || pct <= 0 ||
        pct > 100) {
      return Status::InvalidArgument(
          fmt::format("--read-data-subset takes a percentage in (0, 100], not '{}'", subset));
    }
    o.read_data_fraction = pct / 100;
  }
  const bool tty = ::isatty(2) == 1 && !g.quiet && !g.json;
  if (tty)
    o.progress = [](std::string_view line) { fmt::print(stderr, "\rchecking {:<30}", line); };
  BASIN_ASSIGN_OR_RETURN(CheckReport r, CheckBasin(*b.basin, o));
  if (tty) fmt::print(stderr, "\r{:<40}\r", "");
  if (g.json) {
    json problems = json::array();
    for (const auto& p : r.problems) {
      problems.push_back({{"object", p.object}, {"offset", p.offset}, {"message", p.message}});
    }
    PrintJson({{"ok", r.problems.empty()},
               {"journal_records", r.journal_records},
               {"index_tables", r.index_tables},
               {"strata", r.strata},
               {"grains", r.grains},
               {"grains_opened", r.grains_opened},
               {"grains_unindexed", r.grains_unindexed},
               {"references", r.references},
               {"bytes_read", r.bytes_read},
               {"unreferenced", r.unreferenced},
               {"problems", problems},
               {"requests", RequestSummaryJson(b)}});
  } else {
    for (const auto& p : r.problems) {
      fmt::print(stderr, "damaged: {} at offset {}: {}\n", p.object, p.offset, p.message);
    }
    if (!g.quiet) {
      fmt::print(
          "checked {} journal records, {} index tables, {} strata, {} grains ({} opened, "
          "{} references); read {}\n",
          r.journal_records, r.index_tables, r.strata, r.grains, r.grains_opened, r.references,
          HumanBytes(r.bytes_read));
      if (!r.unreferenced.empty()) {
        fmt::print(
            "{} objects no commit names (left by interrupted writers: the next backup adopts what "
            "it can, prune removes the rest once older than --abandoned-after)\n",
            r.unreferenced.size());
      }
      if (r.grains_unindexed > 0) {
        fmt::print("{} grains are second copies no index entry names (prune frees them)\n",
                   r.grains_unindexed);
      }
      fmt::print("{}\n", r.problems.empty() ? "no problems found"
                                            : fmt::format("{} problems found", r.problems.size()));
    }
  }
  if (!r.problems.empty()) {
    return Status::Corruption(fmt::format("check found {} problems", r.problems.size()));
  }
  return Status::OK();
}

Status IndexCompact(const GlobalOptions& g) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(CompactReport r, CompactIndex(*b.basin));
  if (g.json) {
    PrintJson({{"tables_before", r.tables_before},
               {"tables_after", r.tables_after},
               {"entries", r.entries},
               {"bytes_written", r.bytes_written},
               {"commit", r.seq}});
  } else if (!g.quiet) {
    if (r.seq == 0) {
      fmt::print("{} index table(s): nothing to merge\n", r.tables_before);
    } else {
      fmt::print("merged {} index tables into {} ({} entries, {}), commit {}\n", r.tables_before,
                 r.tables_after, r.entries, HumanBytes(r.bytes_written), r.seq);
    }
  }
  return Status::OK();
}

}  // namespace

void RegisterRepoCommands(CLI::App& app, GlobalOptions* g, Outcome* outcome) {
  auto run = [outcome](std::function<Status()> fn) {
    return [outcome, fn] { outcome->status = fn(); };
  };
  CLI::App* init = app.add_subcommand("init", "Create a basin at --repo (an empty store)");
  init->add_flag("--no-encryption", g->no_encryption,
                 "Store everything in the clear (ids are plain BLAKE3)");
  auto kdf_options = [g](CLI::App* cmd) {
    cmd->add_option("--kdf-memory-mib", g->kdf_memory_mib,
                    "Argon2id memory of the new key, MiB (default 64)")
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--kdf-passes", g->kdf_passes,
                    "Argon2id passes of the new key (default 20: about 0.5 s)")
        ->check(CLI::Range(1, 64));
  };
  kdf_options(init);
  init->callback(run([g] { return Init(*g); }));

  auto args = std::make_shared<std::vector<std::string>>(3);
  CLI::App* key = app.add_subcommand("key", "List, add, remove or change the basin's keys");
  key->require_subcommand(1);
  auto new_file = std::make_shared<std::string>();
  key->add_subcommand("list", "List the key slots (* is the one in use)")->callback(run([g] {
    return KeyList(*g);
  }));
  CLI::App* add = key->add_subcommand("add", "Add a key: another password that opens the basin");
  add->add_option("--new-password-file", *new_file, "Read the new password from this file");
  kdf_options(add);
  add->callback(run([g, new_file] { return KeyAdd(*g, *new_file); }));
  CLI::App* rm = key->add_subcommand("remove", "Remove a key slot (not the one in use)");
  rm->add_option("ID", (*args)[0], "Key slot id (see key list)")->required();
  rm->callback(run([g, args] { return KeyRemove(*g, (*args)[0]); }));
  CLI::App* passwd = key->add_subcommand("passwd", "Change the password of the key in use");
  passwd->add_option("--new-password-file", *new_file, "Read the new password from this file");
  kdf_options(passwd);
  passwd->callback(run([g, new_file] { return KeyPasswd(*g, *new_file); }));

  CLI::App* blob = app.add_subcommand("blob", "Store and read blobs (raw content) by id");
  blob->require_subcommand(1);
  CLI::App* bput = blob->add_subcommand("put", "Store FILE (or standard input); print its id");
  (*args)[0] = "-";
  bput->add_option("FILE", (*args)[0], "File to read, - for standard input");
  bput->callback(run([g, args] { return BlobPut(*g, (*args)[0]); }));
  CLI::App* bget = blob->add_subcommand("get", "Write blob ID to FILE (or standard output)");
  bget->add_option("ID", (*args)[1], "Blob id (64 hex digits)")->required();
  (*args)[2] = "-";
  bget->add_option("FILE", (*args)[2], "File to write, - for standard output");
  bget->callback(run([g, args] { return BlobGet(*g, (*args)[1], (*args)[2]); }));

  CLI::App* cat = app.add_subcommand(
      "cat", "Print a basin structure: config, journal [SEQ], checkpoint, grain ID, stratum ID");
  cat->add_option("WHAT", (*args)[1], "config | journal | checkpoint | grain | stratum")
      ->required();
  auto cat_arg = std::make_shared<std::string>();
  cat->add_option("ARG", *cat_arg, "SEQ for journal, ID for grain and stratum");
  cat->callback(run([g, args, cat_arg] { return Cat(*g, (*args)[1], *cat_arg); }));

  app.add_subcommand("stats", "What the basin holds, and the requests this took")
      ->callback(run([g] { return Stats(*g); }));

  auto read_data = std::make_shared<bool>(false);
  auto subset = std::make_shared<std::string>();
  CLI::App* check = app.add_subcommand("check", "Check the basin's structure (and data)");
  check->add_flag("--read-data", *read_data, "Also read and check every data grain");
  check->add_option("--read-data-subset", *subset, "Read this share of the data, e.g. 10%");
  auto with_cache = std::make_shared<bool>(false);
  check->add_flag("--with-cache", *with_cache,
                  "Read through the shared local cache (default: a fresh one, so that every "
                  "object checked comes from the store)");
  check->callback(run(
      [g, read_data, subset, with_cache] { return Check(*g, *read_data, *subset, *with_cache); }));

  CLI::App* index = app.add_subcommand("index", "Maintain the basin's index");
  index->require_subcommand(1);
  index->add_subcommand("compact", "Merge the index tables into one")->callback(run([g] {
    return IndexCompact(*g);
  }));
}

}  // namespace basin::cli
