// Merges sorted iterators; the earliest child (the newest table) wins ties, and the same
// key in later children is skipped. Moving forward, every child is positioned at or after
// the current key; moving backward, at or before it. Changing direction repositions them.
#include <vector>

#include "basin/table.h"

namespace basin {
namespace {

class MergingIterator : public TableIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<TableIterator>> children)
      : children_(std::move(children)) {}

  bool Valid() const override { return current_ != nullptr; }

  void SeekToFirst() override {
    for (auto& c : children_) c->SeekToFirst();
    forward_ = true;
    FindSmallest();
  }

  void SeekToLast() override {
    for (auto& c : children_) c->SeekToLast();
    forward_ = false;
    FindLargest();
  }

  void Seek(std::string_view target) override {
    for (auto& c : children_) c->Seek(target);
    forward_ = true;
    FindSmallest();
  }

  void Next() override {
    const std::string k(current_->key());
    if (!forward_) {  // bring every child to the first key after k
      for (auto& c : children_) {
        c->Seek(k);
      }
      forward_ = true;
    }
    for (auto& c : children_) {
      if (c->Valid() && c->key() == k) c->Next();
    }
    FindSmallest();
  }

  void Prev() override {
    const std::string k(current_->key());
    if (forward_) {  // bring every child to the last key before k
      for (auto& c : children_) {
        c->Seek(k);
        if (c->Valid()) {
          c->Prev();
        } else if (c->status().ok()) {
          c->SeekToLast();  // every key in it is before k
        }
      }
      forward_ = false;
      FindLargest();
      return;
    }
    for (auto& c : children_) {
      if (c->Valid() && c->key() == k) c->Prev();
    }
    FindLargest();
  }

  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }

  const Status& status() const override {
    for (auto& c : children_) {
      if (!c->status().ok()) return c->status();
    }
    return ok_;
  }

 private:
  void FindSmallest() {
    current_ = nullptr;
    for (auto& c : children_) {
      if (c->Valid() && (current_ == nullptr || c->key() < current_->key())) current_ = c.get();
    }
  }

  void FindLargest() {
    current_ = nullptr;
    for (auto& c : children_) {
      if (c->Valid() && (current_ == nullptr || c->key() > current_->key())) current_ = c.get();
    }
  }

  std::vector<std::unique_ptr<TableIterator>> children_;
  TableIterator* current_ = nullptr;
  bool forward_ = true;
  Status ok_;
};

}  // namespace

std::unique_ptr<TableIterator> NewMergingIterator(
    std::vector<std::unique_ptr<TableIterator>> children) {
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace basin
