// A window over a stream being read and consumed from the front, as chunkers read files:
// a reader appends into spare room (which is never zero-filled first, unlike growing a
// std::string), the consumer takes bytes from the front, and the rest moves to the start
// when room runs out. Not thread-safe.
#ifndef BASIN_UTIL_READ_WINDOW_H_
#define BASIN_UTIL_READ_WINDOW_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace basin {

class ReadWindow {
 public:
  explicit ReadWindow(size_t capacity)
      : buf_(new char[capacity]), capacity_(capacity) {}  // uninitialised on purpose

  // The bytes read and not yet consumed.
  std::string_view data() const { return {buf_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  bool full() const { return size() == capacity_; }
  // Where to read next: all the free room (after moving the unconsumed bytes to the front).
  std::span<char> Room() {
    if (begin_ > 0) {
      std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    return {buf_.get() + end_, capacity_ - end_};
  }
  // `n` bytes were read into Room(). REQUIRES: n <= Room().size().
  void Commit(size_t n) { end_ += n; }
  // Drops the first `n` bytes. REQUIRES: n <= size().
  void Consume(size_t n) { begin_ += n; }

 private:
  std::unique_ptr<char[]> buf_;
  const size_t capacity_;
  size_t begin_ = 0, end_ = 0;
};

}  // namespace basin

#endif  // BASIN_UTIL_READ_WINDOW_H_
