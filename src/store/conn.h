// conn.h — the SQLite connection as store/*.cc files see it: SQLiteCpp's
// Database plus a cache of prepared statements (preparing costs more than
// running most of our queries).
//
// Only store/ includes this file. A Conn is used by one thread at a time.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace accessd::store {

class Conn {
 public:
  explicit Conn(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  SQLite::Database& db() { return *db_; }

  // A prepared statement for `sql`, reset and with bindings cleared, ready to
  // bind. `sql` must be a string literal: the cache is keyed by its address
  // (no hashing of the text on every call; two copies of one literal just
  // get two entries). Valid until the next Prepare of the same literal.
  SQLite::Statement& Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      it = cache_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
    } else {
      it->second->reset();
      it->second->clearBindings();
    }
    used_.push_back(it->second.get());
    return *it->second;
  }

  // Resets every statement handed out since the last call. A statement that
  // was stepped but not reset keeps its read transaction open, which would
  // pin this connection to an old snapshot; Database calls this after every
  // Read and every write job.
  void ResetUsed() {
    for (SQLite::Statement* st : used_) st->tryReset();
    used_.clear();
  }

  // Runs a statement without results through the cache (`sql` a string
  // literal, as for Prepare): transaction control on the write path, where
  // parsing the same text again on every job would cost more than running it.
  void Run(const char* sql) {
    SQLite::Statement& st = Prepare(sql);
    used_.pop_back();  // reset here, not by ResetUsed
    st.exec();
    st.tryReset();
  }

  // Runs any SQL text once, parsed every time.
  void Exec(const char* sql) { db_->exec(sql); }

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> cache_;
  std::vector<SQLite::Statement*> used_;
};

// NULL-aware column reads and bindings shared by every store file.
inline std::optional<std::string> OptString(const SQLite::Column& col) {
  if (col.isNull()) return std::nullopt;
  return col.getString();
}

inline std::optional<int64_t> OptInt(const SQLite::Column& col) {
  if (col.isNull()) return std::nullopt;
  return col.getInt64();
}

// Binds the value, or NULL when absent.
inline void BindOpt(SQLite::Statement& st, int i, const std::optional<std::string>& v) {
  if (v) {
    st.bind(i, *v);
  } else {
    st.bind(i);
  }
}

inline void BindOpt(SQLite::Statement& st, int i, const std::optional<int64_t>& v) {
  if (v) {
    st.bind(i, *v);
  } else {
    st.bind(i);
  }
}

}  // namespace accessd::store
