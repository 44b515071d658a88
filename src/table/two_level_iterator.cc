#include "table/two_level_iterator.h"

namespace basin::table {

void TwoLevelIterator::SeekToFirst() {
  outer_->SeekToFirst();
  if (LoadBlock()) inner_->SeekToFirst();
  SkipForward();
}

void TwoLevelIterator::SeekToLast() {
  outer_->SeekToLast();
  if (LoadBlock()) inner_->SeekToLast();
  SkipBackward();
}

void TwoLevelIterator::Seek(std::string_view target) {
  outer_->Seek(target);
  if (LoadBlock()) inner_->Seek(target);
  SkipForward();
}

void TwoLevelIterator::Next() {
  inner_->Next();
  SkipForward();
}

void TwoLevelIterator::Prev() {
  inner_->Prev();
  SkipBackward();
}

const Status& TwoLevelIterator::status() const {
  if (!status_.ok()) return status_;
  if (!outer_->status().ok()) return outer_->status();
  if (inner_.has_value()) return inner_->status();
  return status_;
}

bool TwoLevelIterator::LoadBlock() {
  inner_.reset();
  block_.reset();
  if (!outer_->Valid()) return false;
  auto b = load_(outer_->key(), outer_->value());
  if (!b.ok()) {
    status_ = b.status();
    return false;
  }
  block_ = std::move(b).value();
  inner_.emplace(block_.get());
  return true;
}

void TwoLevelIterator::SkipForward() {
  while (inner_.has_value() && !inner_->Valid() && inner_->status().ok()) {
    outer_->Next();
    if (!LoadBlock()) return;
    inner_->SeekToFirst();
  }
}

void TwoLevelIterator::SkipBackward() {
  while (inner_.has_value() && !inner_->Valid() && inner_->status().ok()) {
    outer_->Prev();
    if (!LoadBlock()) return;
    inner_->SeekToLast();
  }
}

namespace {

class ErrorIterator final : public TableIterator {
 public:
  explicit ErrorIterator(Status s) : s_(std::move(s)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  const Status& status() const override { return s_; }

 private:
  Status s_;
};

}  // namespace

std::unique_ptr<TableIterator> NewErrorIterator(Status status) {
  return std::make_unique<ErrorIterator>(std::move(status));
}

}  // namespace basin::table
