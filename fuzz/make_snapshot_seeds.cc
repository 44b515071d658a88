// Writes valid tree and snapshot encodings, as fuzzing seeds:
//   make_snapshot_seeds DIR KIND   (KIND: tree, grain)
#include <fstream>
#include <string>

#include "basin/blake3.h"
#include "basin/snapshot.h"
#include "snapshot/tree_codec.h"

using namespace basin;

namespace {

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

GrainId Id(const std::string& seed) { return Blake3Hash(seed); }

// One entry of every type, with the optional fields set.
Tree EveryKindOfEntry() {
  Tree t;
  auto add = [&](std::string name, EntryType type) -> TreeEntry& {
    TreeEntry& e = t.entries.emplace_back();
    e.name = std::move(name);
    e.type = type;
    e.mode = 0644;
    e.mtime = {-86400, 123456789};
    e.ctime = {1'700'000'000, 1};
    return e;
  };
  add("block", EntryType::kBlockDevice).rdev = 0x0801;
  add("char", EntryType::kCharDevice).rdev = 0x0103;
  TreeEntry& dir = add("dir", EntryType::kDirectory);
  dir.subtree = Id("subtree");
  dir.mode = 01777;
  add("fifo", EntryType::kFifo);
  TreeEntry& file = add("file", EntryType::kFile);
  file.user = "alice";
  file.group = "staff";
  file.atime = {5, 6};
  file.links = 2;
  file.xattrs.emplace_back("user.basin", std::string("v\0x", 3));
  file.content.push_back({Id("chunk"), 1000});
  file.content.push_back({GrainId{}, 24});  // a hole
  file.size = 1024;
  TreeEntry& large = add("large", EntryType::kFile);
  large.content_list = Id("clast");
  large.size = uint64_t{1} << 33;
  add("socket", EntryType::kSocket);
  add("symlink", EntryType::kSymlink).symlink_target = "../does/not/exist";
  return t;
}

Snapshot ASnapshot() {
  Snapshot s;
  s.root = Id("root");
  s.time_ns = 1'700'000'000'123'456'789;
  s.host = "host";
  s.user = "user";
  s.paths = {"/home", "/etc"};
  s.tags = {"daily"};
  s.parent = Id("parent");
  s.program = "basin 0.1";
  s.summary.files_new = 3;
  s.summary.bytes_read = 1 << 20;
  s.summary.total_files = 10;
  s.summary.total_bytes = 1 << 22;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::string dir = argv[1], kind = argv[2];
  if (kind == "tree") {
    Write(dir + "/seed-every-kind", snap::EncodeTree(EveryKindOfEntry()));
    Write(dir + "/seed-empty", snap::EncodeTree(Tree{}));
  } else if (kind == "grain") {
    Write(dir + "/seed-snapshot", snap::EncodeSnapshot(ASnapshot()));
    Write(dir + "/seed-summary", snap::EncodeJournalSummary(ASnapshot()));
  } else {
    return 2;
  }
  return 0;
}
