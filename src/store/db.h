// db.h — the one SQLite file: opening it, migrating it, reading from it, and
// the single group-commit writer through which every change goes.
//
// Concurrency model (SQLite in WAL mode):
//   * Reads run on a pool of read-only connections, any number at once.
//   * Writes are jobs run by one writer thread on one connection. The thread
//     takes every job queued while the previous commit was in flight and runs
//     them in one transaction, each inside its own SAVEPOINT: a job that
//     fails rolls back alone, the others commit together. One fsync then
//     makes a whole batch durable (group commit), which is how audit rows for
//     reads stay durable under load. Each caller sleeps on its own semaphore,
//     posted once its batch is done: a commit wakes exactly the callers it
//     served.
//   * Write() returns only after the batch holding the job has committed
//     (synchronous=FULL), so a caller that answers after Write() returns
//     never answers for data that could still be lost.
//
// This header is what services see: Conn is opaque here; store/*.cc files
// get at the SQLite connection through store/conn.h. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace accessd::store {

class Conn;  // a connection; see store/conn.h

struct DbOptions {
  std::string path;              // file path; ":memory:" is not supported (WAL)
  int busy_timeout_ms = 5000;    // how long a reader waits on a lock
  int max_batch = 512;           // jobs per group-commit transaction, at most
};

class Database {
 public:
  using Job = std::function<Status(Conn&)>;

  // Opens (creating if needed) the file, sets WAL and synchronous=FULL,
  // applies schema.sql to an empty database and any newer migrations.
  // Fails with a Status naming the path when the file cannot be opened or
  // is not an accessd database of a known version.
  static StatusOr<std::unique_ptr<Database>> Open(const DbOptions& options);
  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs fn on a read connection. Exceptions from SQLite propagate (the
  // server's exception handler answers 500); fn should not hold on to Conn.
  void Read(const std::function<void(Conn&)>& fn);

  // Runs `job` in the writer's next transaction and blocks until that
  // transaction committed or rolled back. Returns the job's Status; when the
  // job succeeded but the commit failed, kInternal. An exception thrown by the
  // job rolls back the job alone: a UNIQUE/CHECK constraint violation becomes
  // kConflict, anything else kInternal. `after_commit` (optional) runs on the
  // writer thread right after a successful commit and before Write returns —
  // the place to clear caches synchronously.
  Status Write(Job job, std::function<void()> after_commit = nullptr);

  // Write() for a job that runs exactly one data-changing statement (an
  // audit row for a read): no SAVEPOINT around it, since SQLite undoes a
  // failed statement by itself. A job that returns an error after its
  // statement succeeded must use Write(). It does not move
  // change_generation(), so it must only write rows no cache holds.
  Status WriteOneStatement(Job job);

  // Stops the writer after draining queued jobs. Write() after Close fails.
  void Close();

  // True when a trivial query answers (for /readyz).
  bool Ping();

  // Statistics for tests, the benchmark and debug logs.
  uint64_t commits() const;
  uint64_t jobs_committed() const;

  // The number of committed transactions that changed something other than
  // audit rows of reads (WriteOneStatement jobs). Data read from the file
  // while this number stood at N is current for as long as it still reads N:
  // the count moves after such a commit is visible and before its callers
  // are released, so a cache keyed by it never hides an answered change.
  uint64_t change_generation() const;
  struct WriterStats {
    uint64_t batches = 0;     // transactions attempted
    uint64_t jobs = 0;        // jobs run (committed or not)
    uint64_t run_us = 0;      // time spent running jobs
    uint64_t commit_us = 0;   // time spent in COMMIT (the fsync)
    uint64_t max_batch = 0;   // largest batch seen
    // WAL writes SQLite made, and the writes that reached the file for
    // them, since the process started (store/wal_vfs.h).
    uint64_t wal_writes_made = 0;
    uint64_t wal_writes_sent = 0;
  };
  WriterStats writer_stats() const;

  const std::string& path() const;

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accessd::store
