// Encoding and decoding trees and snapshots (docs/format/snapshots.md).
#ifndef BASIN_SNAPSHOT_TREE_CODEC_H_
#define BASIN_SNAPSHOT_TREE_CODEC_H_

#include <string>
#include <string_view>
#include <vector>

#include "basin/snapshot.h"

namespace basin::snap {

// REQUIRES: entries sorted by name, names valid.
std::string EncodeTree(const Tree& tree);
// Corruption naming `what` for anything malformed: names out of order or invalid, unknown
// required fields, content that does not add up to the size.
Result<Tree> DecodeTree(std::string_view bytes, std::string_view what);

std::string EncodeSnapshot(const Snapshot& s);
Result<Snapshot> DecodeSnapshot(std::string_view bytes, std::string_view what);

// The journal's summary of a snapshot, and back (only the listing fields).
std::string EncodeJournalSummary(const Snapshot& s);
Result<Snapshot> DecodeJournalSummary(std::string_view bytes, std::string_view what);

// Whether `name` may be an entry name (1-255 bytes, no NUL, no '/', not "." or "..").
bool ValidName(std::string_view name);

// The grains an entry's content refers to (chunks, clast list, subtree), for checks.
void EntryReferences(const TreeEntry& e, std::vector<GrainId>* refs);

}  // namespace basin::snap

#endif  // BASIN_SNAPSHOT_TREE_CODEC_H_
