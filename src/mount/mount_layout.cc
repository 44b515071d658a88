#include "mount/mount_layout.h"

#include <ctime>

#include <fmt/format.h>

namespace basin::mount {
namespace {

// Host names and tags become directory names only when they can be one.
bool UsableName(std::string_view n) {
  return !n.empty() && n.size() <= 255 && n != "." && n != ".." && n != "latest" &&
         n.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

VirtualDir* Subdir(VirtualDir* parent, std::string_view name) {
  auto& slot = parent->dirs[std::string(name)];
  if (!slot) slot = std::make_unique<VirtualDir>();
  return slot.get();
}

}  // namespace

std::string MountLayout::TimeName(int64_t time_ns) {
  const int64_t secs = time_ns / 1'000'000'000 - (time_ns < 0 && time_ns % 1'000'000'000 ? 1 : 0);
  const time_t t = static_cast<time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

MountLayout::MountLayout(std::vector<Snapshot> snapshots) : snapshots_(std::move(snapshots)) {
  std::vector<size_t> all(snapshots_.size());
  std::map<std::string, std::vector<size_t>> tags, hosts;
  for (size_t i = 0; i < snapshots_.size(); ++i) {
    all[i] = i;
    for (const std::string& t : snapshots_[i].tags) {
      if (UsableName(t)) tags[t].push_back(i);
    }
    if (UsableName(snapshots_[i].host)) hosts[snapshots_[i].host].push_back(i);
  }
  AddGroup(Subdir(&root_, "snapshots"), all);
  VirtualDir* ids = Subdir(&root_, "ids");
  for (size_t i = 0; i < snapshots_.size(); ++i) {
    const std::string hex = snapshots_[i].id.ToHex();
    // Two ids that share 8 digits: the later one goes by its whole id.
    if (!ids->snapshots.try_emplace(hex.substr(0, 8), i).second) ids->snapshots.emplace(hex, i);
    ids->time_ns = std::max(ids->time_ns, snapshots_[i].time_ns);
  }
  VirtualDir* tag_dir = Subdir(&root_, "tags");
  for (const auto& [tag, members] : tags) AddGroup(Subdir(tag_dir, tag), members);
  VirtualDir* host_dir = Subdir(&root_, "hosts");
  for (const auto& [host, members] : hosts) AddGroup(Subdir(host_dir, host), members);
  for (auto* d : {tag_dir, host_dir, &root_}) {
    for (const auto& [name, sub] : d->dirs) d->time_ns = std::max(d->time_ns, sub->time_ns);
  }
}

// A directory of snapshots named by time (members oldest first), with `latest`.
void MountLayout::AddGroup(VirtualDir* dir, const std::vector<size_t>& members) {
  for (size_t i : members) {
    const std::string base = TimeName(snapshots_[i].time_ns);
    std::string name = base;
    for (int n = 1; dir->snapshots.contains(name); ++n) name = fmt::format("{}-{}", base, n);
    dir->snapshots.emplace(name, i);
    dir->latest = name;  // oldest first: the last one is the newest
    dir->time_ns = std::max(dir->time_ns, snapshots_[i].time_ns);
  }
}

Result<MountLayout::Place> MountLayout::Find(std::span<const std::string_view> names) const {
  Place p;
  p.dir = &root_;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string_view name = names[i];
    if (auto d = p.dir->dirs.find(name); d != p.dir->dirs.end()) {
      p.dir = d->second.get();
      continue;
    }
    if (auto s = p.dir->snapshots.find(name); s != p.dir->snapshots.end()) {
      p.snapshot = &snapshots_[s->second];
      p.dir = nullptr;
      p.rest = names.subspan(i + 1);
      return p;
    }
    if (name == "latest" && !p.dir->latest.empty() && i + 1 == names.size()) {
      p.link_in = p.dir;
      p.dir = nullptr;
      return p;
    }
    return Status::NotFound(fmt::format("no '{}' in the mount", name));
  }
  return p;
}

}  // namespace basin::mount
