// Writes valid examples of the content store's encodings, as fuzzing seeds:
//   make_repo_seeds DIR KIND   (KIND: grain, stratum_tail, journal, checkpoint, config,
//                              clast)
#include <fstream>
#include <string>

#include "basin/checksum.h"
#include "basin/memory_store.h"
#include "repo/basin_format.h"
#include "repo/clast.h"
#include "repo/config.h"
#include "repo/fields.h"
#include "repo/grain.h"
#include "repo/journal.h"
#include "repo/stratum.h"

using namespace basin;
using namespace basin::repo;

namespace {

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ClastSeed() {
  ClastList l;
  for (int i = 0; i < 3; ++i) l.entries.push_back({Blake3Hash(std::to_string(i)), 1000u});
  return EncodeClastList(l);
}

JournalRecord Record() {
  JournalRecord r;
  r.seq = 1;
  r.host = "h";
  StratumRef s;
  s.id = RandomName();
  s.size = 100;
  s.grains = 2;
  r.strata.push_back(s);
  TableRef t;
  t.name = RandomName();
  r.tables.push_back(t);
  r.snapshots_added.push_back(SnapshotEntry{Blake3Hash("s"), "summary", 1});
  MergeRef m;
  m.output = t;
  m.inputs.push_back(t.name);
  r.merges.push_back(m);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::string dir = argv[1], kind = argv[2];
  const Keys keys = Keys::Unencrypted();
  const std::string basin_id(16, 'b');
  if (kind == "grain") {
    GrainCodec codec(CompressionOptions{CompressionType::kZstd, 1});
    for (const std::string& data : {std::string(1000, 'a'), std::string("xyz"), ClastSeed()}) {
      std::string g;
      const uint8_t type = data.size() > 100 && data[0] == 'a' ? 1 : 2;
      EncodeGrain(keys, basin_id, type, keys.GrainId(type, data), data, &codec, &g);
      Write(dir + "/seed-" + std::to_string(data.size()), std::string(1, '\1') + g);
    }
  } else if (kind == "stratum_tail") {
    auto store = NewMemoryStore();
    auto w = *StratumWriter::Open(store.get(), kStreamData, RandomName(), &keys, basin_id);
    GrainCodec codec(CompressionOptions{});
    for (int i = 0; i < 5; ++i) {
      std::string g;
      const std::string data(100 + i, 'x');
      GrainEntry e;
      e.id = keys.GrainId(1, data);
      e.type = 1;
      e.raw_length = data.size();
      EncodeGrain(keys, basin_id, 1, e.id, data, &codec, &g);
      if (!w->Add(g, e).ok()) return 1;
    }
    std::string tail;
    if (!w->Seal(&tail).ok()) return 1;
    Write(dir + "/seed-tail", tail);
  } else if (kind == "journal") {
    const std::string sealed = EncodeRecord(Record(), keys, basin_id);
    Write(dir + "/seed-record", sealed);
    Write(dir + "/seed-fields",
          sealed.substr(kRecordHeaderSize, sealed.size() - kRecordHeaderSize - kMacSize));
  } else if (kind == "checkpoint") {
    BasinState st;
    st.Apply(Record());
    const std::string sealed = EncodeCheckpoint(st.ToCheckpoint(), keys, basin_id);
    Write(dir + "/seed-checkpoint", sealed);
    Write(dir + "/seed-fields",
          sealed.substr(kRecordHeaderSize, sealed.size() - kRecordHeaderSize - kMacSize));
  } else if (kind == "config") {
    Config c;
    c.encrypted = false;
    Write(dir + "/seed-plain", EncodeConfig(c, keys));
    const Keys enc = Keys::FromMaster(SecretKey::Random());
    c.encrypted = true;
    c.slots.push_back(
        *WrapMasterKey(enc.master(), "pw", KdfParams{1, 8 << 10}, c.basin_id_bytes(), "label"));
    Write(dir + "/seed-encrypted", EncodeConfig(c, enc));
  } else if (kind == "clast") {
    Write(dir + "/seed-level0", ClastSeed());
    ClastList upper;
    upper.level = 1;
    upper.entries.push_back({Blake3Hash("sub"), uint64_t{1} << 40});
    Write(dir + "/seed-level1", EncodeClastList(upper));
  } else {
    return 2;
  }
  return 0;
}
