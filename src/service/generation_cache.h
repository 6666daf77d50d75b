// generation_cache.h — values read from the database, kept for as long as
// no change has committed since they were read.
//
// Database::change_generation() (store/db.h) counts the committed
// transactions that changed anything but audit rows of reads; it moves after
// such a commit is visible and before the change's caller is released. A
// value read after the count stood at N is therefore current while the count
// still reads N. The protocol, for a caller:
//
//   const uint64_t gen = db.change_generation();   // before reading
//   if (auto kept = cache.Find(key, gen)) return kept;
//   ... read the value from the database ...
//   cache.Keep(key, gen, value, bytes);
//
// A value kept under generation N is never served once the count moved, so
// no answered change is hidden; when the count moves, every kept value is
// dropped at the next Keep. Bounded by bytes (the caller's estimate); a value
// over max_value_bytes is never kept. Values are shared and immutable.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace accessd::service {

template <typename V>
class GenerationCache {
 public:
  GenerationCache(size_t max_bytes, size_t max_value_bytes)
      : max_bytes_(max_bytes), max_value_bytes_(max_value_bytes) {}

  GenerationCache(const GenerationCache&) = delete;
  GenerationCache& operator=(const GenerationCache&) = delete;

  // The value kept for `key` at generation `gen`, or null.
  std::shared_ptr<const V> Find(const std::string& key, uint64_t gen) {
    std::lock_guard<std::mutex> lock(mu_);
    if (gen != generation_) return nullptr;
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second.value;
  }

  // Keeps `value`, read after the generation stood at `gen`.
  void Keep(const std::string& key, uint64_t gen, std::shared_ptr<const V> value, size_t bytes) {
    if (bytes > max_value_bytes_) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (gen < generation_) return;  // read before a change the entries already reflect
    if (gen > generation_ || bytes_ + bytes > max_bytes_) {
      entries_.clear();
      bytes_ = 0;
      generation_ = gen;
    }
    Entry& e = entries_[key];
    bytes_ = bytes_ - e.bytes + bytes;
    e.value = std::move(value);
    e.bytes = bytes;
  }

  // Finds answered from kept values (for tests and the benchmark).
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::shared_ptr<const V> value;
    size_t bytes = 0;
  };

  const size_t max_bytes_;
  const size_t max_value_bytes_;
  std::mutex mu_;
  uint64_t generation_ = 0;  // of every entry
  std::unordered_map<std::string, Entry> entries_;
  size_t bytes_ = 0;
  std::atomic<uint64_t> hits_{0};
};

}  // namespace accessd::service
