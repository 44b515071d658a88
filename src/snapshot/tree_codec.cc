// tree  := version u8 | count varint | (name length varint | name | fields length varint |
//          fields)*
// snapshot := version u8 | fields
#include "snapshot/tree_codec.h"

#include <fmt/format.h>

#include "basin/coding.h"
#include "repo/fields.h"
#include "snapshot/snapshot_format.h"

namespace basin::snap {
namespace {

using repo::FieldReader;
using repo::FieldVarint;
using repo::FieldWriter;

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutTime(FieldWriter* w, uint32_t tag, const Timespec& t) {
  std::string v;
  PutVarint64(&v, ZigZag(t.sec));
  PutVarint32(&v, t.nsec);
  w->Bytes(tag, v);
}

bool GetTime(std::string_view v, Timespec* t) {
  uint64_t sec = 0;
  if (!GetVarint64(&v, &sec) || !GetVarint32(&v, &t->nsec) || !v.empty() ||
      t->nsec >= 1'000'000'000u) {
    return false;
  }
  t->sec = UnZigZag(sec);
  return true;
}

bool GetId(std::string_view* in, GrainId* id) {
  std::string_view b;
  if (!GetBytes(in, GrainId::kSize, &b)) return false;
  std::memcpy(id->bytes.data(), b.data(), GrainId::kSize);
  return true;
}

std::string EncodeContent(const TreeEntry& e) {
  std::string v;
  if (e.content_list) {
    v += static_cast<char>(kClastList);
    v += e.content_list->view();
    return v;
  }
  v += static_cast<char>(kChunks);
  PutVarint64(&v, e.content.size());
  for (const ContentPiece& p : e.content) {
    v += p.id.view();
    PutVarint64(&v, p.size);
  }
  return v;
}

bool DecodeContent(std::string_view v, TreeEntry* e) {
  if (v.empty()) return false;
  const auto kind = static_cast<uint8_t>(v[0]);
  v.remove_prefix(1);
  if (kind == kClastList) {
    GrainId id;
    if (!GetId(&v, &id) || !v.empty()) return false;
    e->content_list = id;
    return true;
  }
  uint64_t count = 0;
  if (kind != kChunks || !GetVarint64(&v, &count) || count > kInlineChunks ||
      v.size() < count * (GrainId::kSize + 1)) {
    return false;
  }
  e->content.resize(count);
  for (ContentPiece& p : e->content) {
    if (!GetId(&v, &p.id) || !GetVarint64(&v, &p.size)) return false;
  }
  return v.empty();
}

std::string EncodeEntryFields(const TreeEntry& e) {
  FieldWriter w;
  w.Varint(kType, static_cast<uint8_t>(e.type));
  w.Varint(kMode, e.mode);
  w.Varint(kUid, e.uid);
  w.Varint(kGid, e.gid);
  if (!e.user.empty()) w.Bytes(kUser, e.user);
  PutTime(&w, kMtime, e.mtime);
  if (!e.group.empty()) w.Bytes(kGroup, e.group);
  PutTime(&w, kCtime, e.ctime);
  PutTime(&w, kAtime, e.atime);
  w.Varint(kSize, e.size);
  w.Varint(kDevice, e.device);
  w.Varint(kInode, e.inode);
  if (e.links > 1) w.Varint(kLinks, e.links);
  for (const auto& [name, value] : e.xattrs) {
    std::string v;
    PutLengthPrefixed(&v, name);
    v += value;
    w.Bytes(kXattr, v);
  }
  if (e.type == EntryType::kSymlink) w.Bytes(kSymlinkTarget, e.symlink_target);
  if (e.type == EntryType::kCharDevice || e.type == EntryType::kBlockDevice) {
    w.Varint(kRdev, e.rdev);
  }
  if (e.type == EntryType::kFile) w.Bytes(kContent, EncodeContent(e));
  if (e.subtree) w.Bytes(kSubtree, e.subtree->view());
  return w.Release();
}

Status DecodeEntryFields(std::string_view fields, const std::string& what, TreeEntry* e) {
  FieldReader r(fields, what);
  uint32_t tag;
  std::string_view v;
  bool typed = false;
  auto bad = [&](std::string_view field) {
    return Status::Corruption(fmt::format("{}: malformed {}", what, field));
  };
  auto num = [&](uint64_t max, std::string_view field) -> Result<uint64_t> {
    auto n = FieldVarint(v, what);
    if (!n.ok() || *n > max) return bad(field);
    return *n;
  };
  while (true) {
    BASIN_ASSIGN_OR_RETURN(bool more, r.Next(&tag, &v));
    if (!more) break;
    switch (tag) {
      case kType: {
        BASIN_ASSIGN_OR_RETURN(uint64_t t, num(7, "type"));
        if (t == 0) return bad("type");
        e->type = static_cast<EntryType>(t);
        typed = true;
        break;
      }
      case kMode: {
        BASIN_ASSIGN_OR_RETURN(uint64_t m, num(07777, "mode"));
        e->mode = static_cast<uint32_t>(m);
        break;
      }
      case kUid: {
        BASIN_ASSIGN_OR_RETURN(uint64_t n, num(UINT32_MAX, "uid"));
        e->uid = static_cast<uint32_t>(n);
        break;
      }
      case kGid: {
        BASIN_ASSIGN_OR_RETURN(uint64_t n, num(UINT32_MAX, "gid"));
        e->gid = static_cast<uint32_t>(n);
        break;
      }
      case kUser:
        e->user.assign(v.substr(0, 255));
        break;
      case kGroup:
        e->group.assign(v.substr(0, 255));
        break;
      case kMtime:
        if (!GetTime(v, &e->mtime)) return bad("mtime");
        break;
      case kCtime:
        if (!GetTime(v, &e->ctime)) return bad("ctime");
        break;
      case kAtime:
        if (!GetTime(v, &e->atime)) return bad("atime");
        break;
      case kSize: {
        BASIN_ASSIGN_OR_RETURN(e->size, num(uint64_t{1} << 62, "size"));
        break;
      }
      case kDevice: {
        BASIN_ASSIGN_OR_RETURN(e->device, num(UINT64_MAX, "device"));
        break;
      }
      case kInode: {
        BASIN_ASSIGN_OR_RETURN(e->inode, num(UINT64_MAX, "inode"));
        break;
      }
      case kLinks: {
        BASIN_ASSIGN_OR_RETURN(e->links, num(UINT32_MAX, "links"));
        break;
      }
      case kXattr: {
        std::string_view name;
        if (!GetLengthPrefixed(&v, &name) || name.empty() || name.size() > 255) return bad("xattr");
        e->xattrs.emplace_back(std::string(name), std::string(v));
        break;
      }
      case kSymlinkTarget:
        if (v.size() > 65536) return bad("symlink target");
        e->symlink_target.assign(v);
        break;
      case kRdev: {
        BASIN_ASSIGN_OR_RETURN(e->rdev, num(UINT64_MAX, "rdev"));
        break;
      }
      case kContent:
        if (!DecodeContent(v, e)) return bad("content");
        break;
      case kSubtree: {
        GrainId id;
        if (!GetId(&v, &id) || !v.empty()) return bad("subtree");
        e->subtree = id;
        break;
      }
      default:
        BASIN_RETURN_IF_ERROR(r.Unknown(tag));
    }
  }
  if (!typed) return bad("entry (no type)");
  if ((e->type == EntryType::kDirectory) != e->subtree.has_value()) return bad("subtree");
  if (e->type == EntryType::kFile && !e->content_list) {
    uint64_t total = 0;
    for (const auto& p : e->content) {
      if (p.size > (uint64_t{1} << 62) - total) return bad("content");
      total += p.size;
    }
    if (total != e->size) return bad("content (pieces do not add up to the size)");
  }
  return Status::OK();
}

void PutSummaryFields(FieldWriter* w, const SnapshotSummary& s) {
  w->Varint(kFilesNew, s.files_new);
  w->Varint(kFilesChanged, s.files_changed);
  w->Varint(kFilesUnchanged, s.files_unchanged);
  w->Varint(kDirsNew, s.dirs_new);
  w->Varint(kDirsChanged, s.dirs_changed);
  w->Varint(kDirsUnchanged, s.dirs_unchanged);
  w->Varint(kBytesRead, s.bytes_read);
  w->Varint(kBytesAdded, s.bytes_added);
  w->Varint(kBytesStored, s.bytes_stored);
  w->Varint(kDuration, s.duration_ns);
  w->Varint(kSummaryTotalFiles, s.total_files);
  w->Varint(kSummaryTotalBytes, s.total_bytes);
  w->Varint(kErrors, s.errors);
}

Status DecodeSummary(std::string_view fields, const std::string& what, SnapshotSummary* s) {
  FieldReader r(fields, what);
  uint32_t tag;
  std::string_view v;
  while (true) {
    BASIN_ASSIGN_OR_RETURN(bool more, r.Next(&tag, &v));
    if (!more) break;
    uint64_t* target = nullptr;
    switch (tag) {
      case kFilesNew:
        target = &s->files_new;
        break;
      case kFilesChanged:
        target = &s->files_changed;
        break;
      case kFilesUnchanged:
        target = &s->files_unchanged;
        break;
      case kDirsNew:
        target = &s->dirs_new;
        break;
      case kDirsChanged:
        target = &s->dirs_changed;
        break;
      case kDirsUnchanged:
        target = &s->dirs_unchanged;
        break;
      case kBytesRead:
        target = &s->bytes_read;
        break;
      case kBytesAdded:
        target = &s->bytes_added;
        break;
      case kBytesStored:
        target = &s->bytes_stored;
        break;
      case kDuration:
        target = &s->duration_ns;
        break;
      case kSummaryTotalFiles:
        target = &s->total_files;
        break;
      case kSummaryTotalBytes:
        target = &s->total_bytes;
        break;
      case kErrors:
        target = &s->errors;
        break;
      default:
        BASIN_RETURN_IF_ERROR(r.Unknown(tag));
        continue;
    }
    BASIN_ASSIGN_OR_RETURN(*target, FieldVarint(v, what));
  }
  return Status::OK();
}

// The fields the journal summary and the snapshot share, written in tag order.
void PutListingFields(FieldWriter* w, const Snapshot& s, bool with_root) {
  if (with_root) w->Bytes(kRoot, s.root.view());
  w->Varint(kTime, ZigZag(s.time_ns));
  w->Bytes(kHost, s.host);
  w->Bytes(kUser_, s.user);
  for (const auto& p : s.paths) w->Bytes(kPath, p);
  for (const auto& t : s.tags) w->Bytes(kTag, t);
}

Status DecodeSnapshotFields(std::string_view fields, const std::string& what, Snapshot* s,
                            bool* has_root) {
  FieldReader r(fields, what);
  uint32_t tag;
  std::string_view v;
  while (true) {
    BASIN_ASSIGN_OR_RETURN(bool more, r.Next(&tag, &v));
    if (!more) break;
    switch (tag) {
      case kRoot:
        if (!GetId(&v, &s->root) || !v.empty())
          return Status::Corruption(what + ": malformed root");
        *has_root = true;
        break;
      case kTime: {
        BASIN_ASSIGN_OR_RETURN(uint64_t t, FieldVarint(v, what));
        s->time_ns = UnZigZag(t);
        break;
      }
      case kHost:
        s->host.assign(v.substr(0, 255));
        break;
      case kUser_:
        s->user.assign(v.substr(0, 255));
        break;
      case kPath:
        s->paths.emplace_back(v.substr(0, 4096));
        break;
      case kTag:
        s->tags.emplace_back(v.substr(0, 255));
        break;
      case kParent: {
        GrainId id;
        if (!GetId(&v, &id) || !v.empty()) return Status::Corruption(what + ": malformed parent");
        s->parent = id;
        break;
      }
      case kProgram:
        s->program.assign(v.substr(0, 255));
        break;
      case kSummary:
        BASIN_RETURN_IF_ERROR(DecodeSummary(v, what, &s->summary));
        break;
      case kTotalBytes: {
        BASIN_ASSIGN_OR_RETURN(s->summary.total_bytes, FieldVarint(v, what));
        break;
      }
      case kTotalFiles: {
        BASIN_ASSIGN_OR_RETURN(s->summary.total_files, FieldVarint(v, what));
        break;
      }
      default:
        BASIN_RETURN_IF_ERROR(r.Unknown(tag));
    }
  }
  return Status::OK();
}

}  // namespace

bool ValidName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameSize && name != "." && name != ".." &&
         name.find('\0') == std::string_view::npos && name.find('/') == std::string_view::npos;
}

std::string EncodeTree(const Tree& tree) {
  std::string out;
  out += static_cast<char>(kTreeVersion);
  PutVarint64(&out, tree.entries.size());
  for (const TreeEntry& e : tree.entries) {
    PutLengthPrefixed(&out, e.name);
    PutLengthPrefixed(&out, EncodeEntryFields(e));
  }
  return out;
}

Result<Tree> DecodeTree(std::string_view in, std::string_view what_view) {
  const std::string what(what_view);
  if (in.empty() || static_cast<uint8_t>(in[0]) != kTreeVersion) {
    return in.empty() ? Status::Corruption(what + ": empty tree")
                      : Status::NotSupported(what + ": a tree of another format version");
  }
  in.remove_prefix(1);
  uint64_t count = 0;
  if (!GetVarint64(&in, &count) || count > kMaxTreeEntries || count > in.size()) {
    return Status::Corruption(what + ": impossible number of entries");
  }
  Tree tree;
  tree.entries.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name, fields;
    if (!GetLengthPrefixed(&in, &name) || !GetLengthPrefixed(&in, &fields)) {
      return Status::Corruption(fmt::format("{}: entry {} is cut short", what, i));
    }
    if (!ValidName(name))
      return Status::Corruption(fmt::format("{}: entry {} has an invalid name", what, i));
    if (i > 0 && name <= std::string_view(tree.entries.back().name)) {
      return Status::Corruption(fmt::format("{}: entries out of order at {}", what, i));
    }
    TreeEntry e;
    e.name.assign(name);
    BASIN_RETURN_IF_ERROR(DecodeEntryFields(fields, fmt::format("{}, entry {}", what, i), &e));
    tree.entries.push_back(std::move(e));
  }
  if (!in.empty()) return Status::Corruption(what + ": trailing bytes");
  return tree;
}

std::string EncodeSnapshot(const Snapshot& s) {
  FieldWriter w;
  PutListingFields(&w, s, /*with_root=*/true);
  if (s.parent) w.Bytes(kParent, s.parent->view());
  w.Bytes(kProgram, s.program);
  FieldWriter summary;
  PutSummaryFields(&summary, s.summary);
  w.Nested(kSummary, summary);
  return std::string(1, static_cast<char>(kSnapshotVersion)) + w.Release();
}

Result<Snapshot> DecodeSnapshot(std::string_view bytes, std::string_view what_view) {
  const std::string what(what_view);
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kSnapshotVersion) {
    return Status::Corruption(what + ": not a snapshot of a known version");
  }
  Snapshot s;
  bool has_root = false;
  BASIN_RETURN_IF_ERROR(DecodeSnapshotFields(bytes.substr(1), what, &s, &has_root));
  if (!has_root) return Status::Corruption(what + ": no root tree");
  return s;
}

std::string EncodeJournalSummary(const Snapshot& s) {
  FieldWriter w;
  PutListingFields(&w, s, /*with_root=*/false);
  w.Varint(kTotalBytes, s.summary.total_bytes);
  w.Varint(kTotalFiles, s.summary.total_files);
  return w.Release();
}

Result<Snapshot> DecodeJournalSummary(std::string_view bytes, std::string_view what) {
  Snapshot s;
  bool has_root = false;
  BASIN_RETURN_IF_ERROR(DecodeSnapshotFields(bytes, std::string(what), &s, &has_root));
  return s;
}

void EntryReferences(const TreeEntry& e, std::vector<GrainId>* refs) {
  for (const auto& p : e.content) {
    if (!p.hole()) refs->push_back(p.id);
  }
  if (e.content_list) refs->push_back(*e.content_list);
  if (e.subtree) refs->push_back(*e.subtree);
}

}  // namespace basin::snap
