// basin snapshots, ls, diff, find, forget, prune: browsing and pruning the history.
#include <fmt/format.h>

#include <unistd.h>

#include <cctype>
#include <map>

#include "basin/backup.h"
#include "basin/forget.h"
#include "basin/maintenance.h"
#include "cli/command.h"
#include "cli/repo_common.h"
#include "cli/snapshot_util.h"
#include "snapshot/fs_meta.h"

namespace basin::cli {
namespace {

using nlohmann::json;

struct Filter {
  std::vector<std::string> hosts, tags, paths;
  bool Match(const Snapshot& s) const {
    auto any = [](const std::vector<std::string>& want, const std::vector<std::string>& have) {
      if (want.empty()) return true;
      for (const auto& w : want) {
        if (std::find(have.begin(), have.end(), w) != have.end()) return true;
      }
      return false;
    };
    return any(hosts, {s.host}) && any(tags, s.tags) && any(paths, s.paths);
  }
};

void AddFilterOptions(CLI::App* cmd, Filter* f) {
  cmd->add_option("--host", f->hosts, "Only snapshots of this host (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--tag", f->tags, "Only snapshots with this tag (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--path", f->paths, "Only snapshots of this path (repeatable)")
      ->allow_extra_args(false);
}

Status Snapshots(const GlobalOptions& g, const Filter& f) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  // A lost journal record hides the snapshots of every record after it: the listing is
  // printed, and the command then fails naming the record.
  const Status journal = b.basin->CheckJournalEnd();
  BASIN_ASSIGN_OR_RETURN(auto all, ListSnapshots(*b.basin));
  if (g.json) {
    json out = json::array();
    for (const auto& s : all) {
      if (f.Match(s)) out.push_back(SnapshotJson(s));
    }
    fmt::print("{}\n", JsonText(out));
    return journal;
  }
  fmt::print("{:<8}  {:<19}  {:<12}  {:>10}  {:<16}  {}\n", "ID", "Time", "Host", "Size", "Tags",
             "Paths");
  size_t n = 0;
  for (const auto& s : all) {
    if (!f.Match(s)) continue;
    std::string tags;
    for (const auto& t : s.tags) tags += (tags.empty() ? "" : ",") + t;
    std::string paths;
    for (const auto& p : s.paths) paths += (paths.empty() ? "" : " ") + PrintablePath(p);
    fmt::print("{:<8}  {:<19}  {:<12}  {:>10}  {:<16}  {}\n", ShortId(s.id), FormatTime(s.time_ns),
               s.host, HumanBytes(s.summary.total_bytes), tags, paths);
    ++n;
  }
  fmt::print("{} snapshots\n", n);
  return journal;
}

Status Ls(const GlobalOptions& g, const std::string& ref_text, bool long_format, bool recursive) {
  BASIN_ASSIGN_OR_RETURN(SnapshotRef ref, ParseSnapshotRef(ref_text));
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(Snapshot s, FindSnapshot(*b.basin, ref.id));
  if (g.json) fmt::print("{}\n", JsonText(SnapshotJson(s)));
  return WalkTree(
      *b.basin, s.root, ref.path, [&](const std::string& path, const TreeEntry& e) -> Result<bool> {
        if (g.json) {
          fmt::print("{}\n", JsonText(EntryJson(path, e)));
        } else if (long_format) {
          fmt::print("{} {:>8} {:>8} {:>12} {} {}{}\n", ModeString(e),
                     e.user.empty() ? std::to_string(e.uid) : e.user,
                     e.group.empty() ? std::to_string(e.gid) : e.group, e.size, FormatTime(e.mtime),
                     PrintablePath(path),
                     e.type == EntryType::kSymlink ? " -> " + PrintablePath(e.symlink_target) : "");
        } else {
          fmt::print("{}\n", PrintablePath(path));
        }
        return recursive;
      });
}

Status Diff(const GlobalOptions& g, const std::string& a, const std::string& b_ref) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(Snapshot older, FindSnapshot(*b.basin, a));
  BASIN_ASSIGN_OR_RETURN(Snapshot newer, FindSnapshot(*b.basin, b_ref));
  std::map<char, uint64_t> counts;
  BASIN_RETURN_IF_ERROR(DiffTrees(*b.basin, older.root, newer.root, [&](const DiffEntry& d) {
    ++counts[d.kind];
    if (g.json) {
      fmt::print("{}\n", JsonText(json({{"kind", std::string(1, d.kind)},
                                        {"path", PrintablePath(d.path)},
                                        {"type", std::string(EntryTypeName(d.type))}})));
    } else {
      fmt::print("{}    {}{}\n", d.kind, PrintablePath(d.path),
                 d.type == EntryType::kDirectory ? "/" : "");
    }
    return Status::OK();
  }));
  if (!g.json && !g.quiet) {
    fmt::print("\nadded {}, removed {}, modified {}, type changed {}, metadata only {}\n",
               counts['+'], counts['-'], counts['M'], counts['T'], counts['U']);
  }
  return Status::OK();
}

Status Find(const GlobalOptions& g, const std::string& pattern, const Filter& f) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(auto all, ListSnapshots(*b.basin));
  uint64_t found = 0;
  for (const auto& s : all) {
    if (!f.Match(s)) continue;
    BASIN_ASSIGN_OR_RETURN(Snapshot full, ReadSnapshot(*b.basin, s.id));
    BASIN_RETURN_IF_ERROR(WalkTree(
        *b.basin, full.root, "/", [&](const std::string& path, const TreeEntry& e) -> Result<bool> {
          if (snap::GlobMatch(pattern, path)) {
            ++found;
            if (g.json) {
              json j = EntryJson(path, e);
              j["snapshot"] = s.id.ToHex();
              fmt::print("{}\n", JsonText(j));
            } else {
              fmt::print("{} {} {:>12} {}\n", ShortId(s.id), ModeString(e), e.size,
                         PrintablePath(path));
            }
          }
          return true;
        }));
  }
  if (found == 0) return Status::NotFound(fmt::format("nothing matches '{}'", pattern));
  return Status::OK();
}

struct PruneArgs {
  std::string max_unused = "5%";
  std::string max_repack_size;
  std::string abandoned_after = "24h";
  bool repack_cold = false;
};

// "5%" or "0.05" as a share; "512M", "10G", "1T" or bytes as a size.
Result<double> ParseShare(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return Status::InvalidArgument("not a share: " + text);
  if (std::string_view(end) == "%") {
    v /= 100;
  } else if (*end != '\0') {
    return Status::InvalidArgument("not a share: " + text + " (say 5% or 0.05)");
  }
  if (!(v >= 0 && v <= 1)) {
    return Status::InvalidArgument("not a share between 0% and 100%: " + text +
                                   (*end == '\0' ? " (a percentage needs its %)" : ""));
  }
  return v;
}

Result<uint64_t> ParseSize(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const std::string_view unit(end);
  double scale = 1;
  if (unit == "K" || unit == "KiB")
    scale = 1024.0;
  else if (unit == "M" || unit == "MiB")
    scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GiB")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TiB")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty())
    return Status::InvalidArgument("not a size: " + text + " (say 10G)");
  if (end == text.c_str() || !(v >= 0) || v * scale > 1.8e19) {
    return Status::InvalidArgument("not a size: " + text);
  }
  return static_cast<uint64_t>(v * scale);
}

// An age: a number and a unit, s, min, h, d or w ("0", "90s", "15min", "24h", "7d").
Result<std::chrono::seconds> ParseAge(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && digits < 9 &&
         std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  const std::string_view unit = std::string_view(text).substr(digits);
  int64_t scale = -1;
  if (unit == "s" || (unit.empty() && text == "0")) scale = 1;
  if (unit == "min") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (unit == "w") scale = 7 * 86400;
  if (digits == 0 || scale < 0) {
    return Status::InvalidArgument("'" + text + "' is not an age (like 90s, 15min, 24h, 7d, 0)");
  }
  int64_t n = 0;
  for (size_t i = 0; i < digits; ++i) n = n * 10 + (text[i] - '0');
  return std::chrono::seconds(n * scale);
}

// `forgotten`: with dry_run, snapshots to plan without (a forget not committed).
Status RunPrune(const GlobalOptions& g, OpenedBasin& b, const PruneArgs& a, bool dry_run,
                std::vector<GrainId> forgotten = {}) {
  PruneOptions o;
  o.assume_forgotten = std::move(forgotten);
  BASIN_ASSIGN_OR_RETURN(o.max_unused, ParseShare(a.max_unused));
  if (!a.max_repack_size.empty()) {
    BASIN_ASSIGN_OR_RETURN(o.max_repack_bytes, ParseSize(a.max_repack_size));
  }
  BASIN_ASSIGN_OR_RETURN(o.abandoned_after, ParseAge(a.abandoned_after));
  o.repack_cold = a.repack_cold;
  o.dry_run = dry_run;
  o.references = SnapshotReferences;
  const bool live = ::isatty(2) == 1 && !g.quiet && !g.json;
  if (live) {
    o.progress = [](std::string_view what) { fmt::print(stderr, "\r\033[Kprune: {}", what); };
  }
  auto r = Prune(*b.basin, o);
  if (live) fmt::print(stderr, "\r\033[K");
  if (r.status().IsAlreadyExists()) {  // another prune took over: it frees the space
    if (!g.quiet) fmt::print(stderr, "basin: {}\n", r.status().message());
    return Status::OK();
  }
  BASIN_RETURN_IF_ERROR(r.status());
  if (g.json) {
    fmt::print("{}\n", JsonText(json({{"dry_run", dry_run},
                                      {"snapshots", r->snapshots},
                                      {"grains", r->grains},
                                      {"grains_live", r->grains_live},
                                      {"strata", r->strata},
                                      {"strata_bytes", r->strata_bytes},
                                      {"live_bytes", r->live_bytes},
                                      {"strata_deleted", r->strata_deleted},
                                      {"strata_repacked", r->strata_repacked},
                                      {"strata_rescued", r->strata_rescued},
                                      {"strata_abandoned", r->strata_abandoned},
                                      {"strata_written", r->strata_written},
                                      {"bytes_freed", r->bytes_freed},
                                      {"bytes_repack_read", r->bytes_repack_read},
                                      {"bytes_written", r->bytes_written},
                                      {"objects_deleted", r->objects_deleted},
                                      {"uploads_swept", r->uploads_swept},
                                      {"sweep_problem", r->sweep_problem},
                                      {"intent_seq", r->intent_seq},
                                      {"deletion_seq", r->deletion_seq},
                                      {"requests", RequestSummaryJson(b)}})));
    return Status::OK();
  }
  if (g.quiet) return Status::OK();
  fmt::print("{} snapshots mark {} of {} grains live: {} of {} in {} strata\n", r->snapshots,
             r->grains_live, r->grains, HumanBytes(r->live_bytes), HumanBytes(r->strata_bytes),
             r->strata);
  fmt::print("{} {} unused strata, {} {} partly used ones ({} of live grains {}){}\n",
             dry_run ? "would delete" : "deleted", r->strata_deleted,
             dry_run ? "would repack" : "repacked", r->strata_repacked,
             HumanBytes(r->bytes_repack_read), dry_run ? "to copy" : "copied",
             r->strata_abandoned > 0
                 ? fmt::format(", {} abandoned uploads collected", r->strata_abandoned)
                 : "");
  if (r->strata_rescued > 0) {
    fmt::print("kept {} strata that backups running meanwhile need\n", r->strata_rescued);
  }
  if (r->uploads_swept > 0) {
    fmt::print("{} {} unfinished uploads killed writers left\n",
               dry_run ? "would remove" : "removed", r->uploads_swept);
  }
  if (!r->sweep_problem.empty()) {
    fmt::print(stderr, "basin: warning: unfinished uploads were not swept: {}\n", r->sweep_problem);
  }
  fmt::print("{} {}\n", dry_run ? "would free" : "freed", HumanBytes(r->bytes_freed));
  fmt::print("{}", RequestSummary(b));
  return Status::OK();
}

Status PruneCommand(const GlobalOptions& g, const PruneArgs& a, bool dry_run) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  return RunPrune(g, b, a, dry_run);
}

struct ForgetArgs {
  ForgetPolicy policy;
  std::string within;
  std::vector<std::string> ids;
  bool dry_run = false;
  bool prune = false;
  PruneArgs prune_args;
  Filter filter;
};

Status Forget(const GlobalOptions& g, ForgetArgs a) {
  BASIN_ASSIGN_OR_RETURN(OpenedBasin b, OpenBasin(g));
  BASIN_ASSIGN_OR_RETURN(auto all, ListSnapshots(*b.basin));
  if (!a.within.empty()) {
    BASIN_ASSIGN_OR_RETURN(a.policy.keep_within, ParseDuration(a.within));
  }
  std::vector<ForgetDecision> decisions;
  if (!a.ids.empty()) {
    if (!a.policy.empty()) {
      return Status::InvalidArgument("give snapshot ids or --keep rules, not both");
    }
    for (const auto& ref : a.ids) {
      BASIN_ASSIGN_OR_RETURN(Snapshot s, FindSnapshot(*b.basin, ref));
      decisions.push_back(ForgetDecision{s, false, {}});
    }
  } else {
    if (a.policy.empty()) {
      return Status::InvalidArgument(
          "forget which? give snapshot ids, or --keep-last/-hourly/-daily/-weekly/-monthly/"
          "-yearly/-within/-tag rules");
    }
    std::vector<Snapshot> chosen;
    for (auto& s : all) {
      if (a.filter.Match(s)) chosen.push_back(s);
    }
    decisions = ApplyForgetPolicy(std::move(chosen), a.policy);
  }
  json out = json::array();
  uint64_t removed = 0;
  std::vector<GrainId> forgotten;
  std::unique_ptr<BasinWriter> writer;
  if (!a.dry_run) {
    BASIN_ASSIGN_OR_RETURN(writer, b.basin->NewWriter());
  }
  for (const auto& d : decisions) {
    if (!d.keep) {
      ++removed;
      forgotten.push_back(d.snapshot.id);
      if (writer) BASIN_RETURN_IF_ERROR(writer->RemoveSnapshot(d.snapshot.id));
    }
    if (g.json) {
      json j = SnapshotJson(d.snapshot);
      j["keep"] = d.keep;
      j["reasons"] = d.reasons;
      out.push_back(j);
    } else if (!g.quiet) {
      std::string why;
      for (const auto& r : d.reasons) why += (why.empty() ? "" : ", ") + r;
      fmt::print("{} {}  {}  {}  {}\n", d.keep ? "keep  " : "remove", ShortId(d.snapshot.id),
                 FormatTime(d.snapshot.time_ns), d.snapshot.host, why);
    }
  }
  if (writer && removed > 0) BASIN_RETURN_IF_ERROR(writer->Commit().status());
  if (g.json) {
    fmt::print("{}\n",
               JsonText(json({{"snapshots", out}, {"removed", removed}, {"dry_run", a.dry_run}})));
  } else if (!g.quiet) {
    fmt::print("{} {} snapshots{}\n", a.dry_run ? "would remove" : "removed", removed,
               removed > 0 && !a.prune ? " (their data stays until 'basin prune')" : "");
  }
  // A dry run's removals are not committed: its prune plans as if they were.
  if (a.prune) {
    return RunPrune(g, b, a.prune_args, a.dry_run,
                    a.dry_run ? std::move(forgotten) : std::vector<GrainId>{});
  }
  return Status::OK();
}

// A --keep-* count: 0 or more ("-1 keeps all" in restic; here the rule is left out).
const CLI::Validator kCount(
    [](std::string& v) -> std::string {
      return !v.empty() && v[0] == '-' ? "a count of 0 or more (to keep all, leave the rule out)"
                                       : "";
    },
    "N");

void AddPruneOptions(CLI::App* cmd, PruneArgs* a) {
  cmd->add_option("--max-unused", a->max_unused,
                  "Repack partly used strata until unused space is at most this share (5%)");
  cmd->add_option("--max-repack-size", a->max_repack_size,
                  "Copy at most this much live data when repacking (e.g. 10G)");
  cmd->add_flag("--repack-cold", a->repack_cold,
                "Repack data strata on a cold store too (reads them)");
  cmd->add_option("--abandoned-after", a->abandoned_after,
                  "Collect uncommitted uploads older than this on the store's clock (24h)");
}

}  // namespace

void RegisterHistoryCommands(CLI::App& app, GlobalOptions* g, Outcome* outcome) {
  auto filter = std::make_shared<Filter>();
  CLI::App* snapshots = app.add_subcommand("snapshots", "List the snapshots");
  AddFilterOptions(snapshots, filter.get());
  snapshots->callback([g, filter, outcome] { outcome->status = Snapshots(*g, *filter); });

  auto ref = std::make_shared<std::string>();
  auto long_format = std::make_shared<bool>(false);
  auto no_recurse = std::make_shared<bool>(false);
  CLI::App* ls = app.add_subcommand("ls", "List the files of a snapshot");
  ls->add_option("SNAPSHOT", *ref, "ID[:PATH] or latest[:PATH]")->required();
  ls->add_flag("-l,--long", *long_format, "Mode, owner, size and time too");
  ls->add_flag("--no-recursion", *no_recurse, "Only the entries of PATH itself");
  ls->callback([g, ref, long_format, no_recurse, outcome] {
    outcome->status = Ls(*g, *ref, *long_format, !*no_recurse);
  });

  auto pair = std::make_shared<std::vector<std::string>>();
  CLI::App* diff = app.add_subcommand("diff", "What changed between two snapshots");
  diff->add_option("SNAPSHOTS", *pair, "Older and newer snapshot")->required()->expected(2);
  diff->footer("+ added, - removed, M content modified, T type changed, U metadata only");
  diff->callback([g, pair, outcome] { outcome->status = Diff(*g, (*pair)[0], (*pair)[1]); });

  auto pattern = std::make_shared<std::string>();
  auto find_filter = std::make_shared<Filter>();
  CLI::App* find = app.add_subcommand("find", "Find files by name or path in every snapshot");
  find->add_option("PATTERN", *pattern, "Glob: a name, or a path when it has a '/'")->required();
  AddFilterOptions(find, find_filter.get());
  find->callback(
      [g, pattern, find_filter, outcome] { outcome->status = Find(*g, *pattern, *find_filter); });

  auto f = std::make_shared<ForgetArgs>();
  CLI::App* forget = app.add_subcommand(
      "forget", "Remove snapshots from the basin's history (prune frees their data)");
  forget->add_option("SNAPSHOT", f->ids, "Snapshots to remove (or use --keep rules)");
  forget->add_option("--keep-last", f->policy.keep_last, "Keep the newest N")->check(kCount);
  forget->add_option("--keep-hourly", f->policy.keep_hourly, "Keep the newest of N hours")
      ->check(kCount);
  forget->add_option("--keep-daily", f->policy.keep_daily, "Keep the newest of N days")
      ->check(kCount);
  forget->add_option("--keep-weekly", f->policy.keep_weekly, "Keep the newest of N weeks")
      ->check(kCount);
  forget->add_option("--keep-monthly", f->policy.keep_monthly, "Keep the newest of N months")
      ->check(kCount);
  forget->add_option("--keep-yearly", f->policy.keep_yearly, "Keep the newest of N years")
      ->check(kCount);
  forget->add_option("--keep-within", f->within,
                     "Keep all newer than the newest minus this (1y2m3d)");
  forget->add_option("--keep-tag", f->policy.keep_tags, "Keep all with this tag")
      ->allow_extra_args(false);
  forget->add_flag("-n,--dry-run", f->dry_run, "Show what would be removed");
  forget->add_flag("--prune", f->prune, "Then prune: free the space of what was removed");
  AddPruneOptions(forget, &f->prune_args);
  AddFilterOptions(forget, &f->filter);
  forget->footer("Snapshots are grouped by host and paths; the rules apply to each group.");
  forget->callback([g, f, outcome] { outcome->status = Forget(*g, *f); });

  auto p = std::make_shared<PruneArgs>();
  auto p_dry = std::make_shared<bool>(false);
  CLI::App* prune = app.add_subcommand(
      "prune", "Free the space of data no snapshot references (safe while backups run)");
  AddPruneOptions(prune, p.get());
  prune->add_flag("-n,--dry-run", *p_dry, "Show what would be done, with bytes");
  prune->footer(
      "Deletes unused strata, repacks partly used ones, collects abandoned uploads and "
      "rewrites the index. No locks: backups and restores may run meanwhile, anywhere. "
      "Protocol: docs/format/maintenance.md.");
  prune->callback([g, p, p_dry, outcome] { outcome->status = PruneCommand(*g, *p, *p_dry); });
}

}  // namespace basin::cli
