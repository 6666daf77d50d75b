// db.cc — opening, migrating, the reader pool and the group-commit writer.
#include "store/db.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "base/log.h"
#include "store/conn.h"

// schema.sql, embedded at build time (scripts/embed.py).
extern const char kSchemaSql[];

namespace accessd::store {

namespace {

constexpr int kSchemaVersion = 1;

// A queued write: the job, and how its caller learns the outcome.
struct PendingJob {
  Database::Job job;
  std::function<void()> after_commit;
  Status result;
  bool done = false;
};

std::unique_ptr<SQLite::Database> OpenConnection(const std::string& path, bool read_only,
                                                 int busy_timeout_ms) {
  int flags = read_only ? SQLite::OPEN_READONLY
                        : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;  // one thread at a time per connection, by construction
  auto db = std::make_unique<SQLite::Database>(path, flags, busy_timeout_ms);
  // FULL: a commit is on disk (WAL fsynced) before Write() returns.
  db->exec("PRAGMA synchronous=FULL");
  db->exec("PRAGMA foreign_keys=ON");
  db->exec("PRAGMA temp_store=MEMORY");
  db->exec("PRAGMA cache_size=-16384");  // 16 MiB per connection
  return db;
}

Status ConstraintOrInternal(const SQLite::Exception& e) {
  int primary = e.getErrorCode() & 0xff;
  if (primary == SQLITE_CONSTRAINT) {
    return Status::Conflict("the change conflicts with an existing object");
  }
  LogError(std::string("database error in write job: ") + e.what());
  return Status::Internal("internal error");
}

}  // namespace

struct Database::Impl {
  DbOptions options;

  std::mutex readers_mu;
  std::vector<std::unique_ptr<Conn>> idle_readers;

  std::unique_ptr<Conn> writer;
  std::thread writer_thread;
  std::mutex mu;
  std::condition_variable cv_jobs;  // writer waits for work
  std::condition_variable cv_done;  // callers wait for their batch
  std::deque<PendingJob*> queue;
  bool closing = false;
  bool closed = false;
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> batches{0}, jobs_run{0}, run_us{0}, commit_us{0}, max_batch{0};
  std::atomic<uint64_t> jobs_committed{0};

  void WriterLoop();
  void RunBatch(std::vector<PendingJob*>& batch);
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Database::~Database() { Close(); }

StatusOr<std::unique_ptr<Database>> Database::Open(const DbOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  try {
    auto db = OpenConnection(options.path, false, options.busy_timeout_ms);
    db->exec("PRAGMA journal_mode=WAL");
    int version = db->execAndGet("PRAGMA user_version").getInt();
    if (version == 0) {
      // A brand-new file, or a file that is not ours: refuse the latter.
      int tables =
          db->execAndGet("SELECT count(*) FROM sqlite_master WHERE type='table'").getInt();
      if (tables != 0) {
        return Status::Invalid(options.path + " is an SQLite file but not an accessd database");
      }
      SQLite::Transaction tx(*db);
      db->exec(kSchemaSql);
      db->exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
      tx.commit();
    } else if (version > kSchemaVersion) {
      return Status::Invalid(options.path + " was written by a newer accessd (schema version " +
                             std::to_string(version) + ")");
    }
    // Migrations from older versions go here, one step per version.
    impl->writer = std::make_unique<Conn>(std::move(db));
  } catch (const SQLite::Exception& e) {
    return Status::Invalid("cannot open database " + options.path + ": " + e.what());
  }
  Impl* raw = impl.get();
  impl->writer_thread = std::thread([raw] { raw->WriterLoop(); });
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

void Database::Read(const std::function<void(Conn&)>& fn) {
  std::unique_ptr<Conn> conn;
  {
    std::lock_guard<std::mutex> lock(impl_->readers_mu);
    if (!impl_->idle_readers.empty()) {
      conn = std::move(impl_->idle_readers.back());
      impl_->idle_readers.pop_back();
    }
  }
  if (!conn) {
    conn = std::make_unique<Conn>(
        OpenConnection(impl_->options.path, true, impl_->options.busy_timeout_ms));
  }
  struct Return {
    Impl* impl;
    std::unique_ptr<Conn>& conn;
    ~Return() {
      conn->ResetUsed();
      std::lock_guard<std::mutex> lock(impl->readers_mu);
      impl->idle_readers.push_back(std::move(conn));
    }
  } give_back{impl_.get(), conn};
  fn(*conn);
}

Status Database::Write(Job job, std::function<void()> after_commit) {
  PendingJob pending;
  pending.job = std::move(job);
  pending.after_commit = std::move(after_commit);
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (impl_->closing) return Status::Unavailable("the server is shutting down");
  impl_->queue.push_back(&pending);
  impl_->cv_jobs.notify_one();
  impl_->cv_done.wait(lock, [&] { return pending.done; });
  return pending.result;
}

void Database::Impl::WriterLoop() {
  std::vector<PendingJob*> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv_jobs.wait(lock, [&] { return !queue.empty() || closing; });
      if (queue.empty() && closing) return;
      while (!queue.empty() && static_cast<int>(batch.size()) < options.max_batch) {
        batch.push_back(queue.front());
        queue.pop_front();
      }
    }
    RunBatch(batch);
    {
      std::lock_guard<std::mutex> lock(mu);
      for (PendingJob* p : batch) p->done = true;
    }
    cv_done.notify_all();
    batch.clear();
  }
}

void Database::Impl::RunBatch(std::vector<PendingJob*>& batch) {
  SQLite::Database& db = writer->db();
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  ++batches;
  jobs_run += batch.size();
  if (batch.size() > max_batch) max_batch = batch.size();
  try {
    writer->Exec("BEGIN IMMEDIATE");
  } catch (const SQLite::Exception& e) {
    LogError(std::string("cannot begin write transaction: ") + e.what());
    for (PendingJob* p : batch) p->result = Status::Internal("internal error");
    return;
  }
  for (PendingJob* p : batch) {
    try {
      writer->Exec("SAVEPOINT job");
      try {
        p->result = p->job(*writer);
      } catch (const SQLite::Exception& e) {
        p->result = ConstraintOrInternal(e);
      } catch (const std::exception& e) {
        LogError(std::string("write job failed: ") + e.what());
        p->result = Status::Internal("internal error");
      }
      writer->ResetUsed();
      if (!p->result.ok()) writer->Exec("ROLLBACK TO job");
      writer->Exec("RELEASE job");
    } catch (const SQLite::Exception& e) {
      LogError(std::string("savepoint handling failed: ") + e.what());
      p->result = Status::Internal("internal error");
    }
  }
  bool committed = false;
  const auto t1 = Clock::now();
  run_us += std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count();
  struct CommitTimer {
    Impl* impl;
    Clock::time_point start;
    ~CommitTimer() {
      impl->commit_us +=
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    }
  } timer{this, t1};
  try {
    writer->Exec("COMMIT");
    committed = true;
  } catch (const SQLite::Exception& e) {
    LogError(std::string("commit failed, batch rolled back: ") + e.what());
    try {
      if (!db.getHandle() || sqlite3_get_autocommit(db.getHandle()) == 0) writer->Exec("ROLLBACK");
    } catch (...) {
    }
  }
  if (!committed) {
    for (PendingJob* p : batch) {
      if (p->result.ok()) p->result = Status::Internal("internal error");
    }
    return;
  }
  ++commits;
  for (PendingJob* p : batch) {
    if (!p->result.ok()) continue;
    ++jobs_committed;
    // Synchronous cache invalidation: runs before the caller is released.
    if (p->after_commit) p->after_commit();
  }
}

void Database::Close() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->closed) return;
    impl_->closing = true;
    impl_->closed = true;
  }
  impl_->cv_jobs.notify_all();
  if (impl_->writer_thread.joinable()) impl_->writer_thread.join();
  try {
    // Fold the WAL back into the main file so a copy of it alone is complete.
    impl_->writer->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (...) {
  }
}

bool Database::Ping() {
  bool ok = false;
  try {
    Read([&](Conn& c) { ok = c.Prepare("SELECT 1").executeStep(); });
  } catch (...) {
    ok = false;
  }
  return ok;
}

uint64_t Database::commits() const { return impl_->commits.load(); }

uint64_t Database::jobs_committed() const { return impl_->jobs_committed.load(); }

Database::WriterStats Database::writer_stats() const {
  WriterStats s;
  s.batches = impl_->batches.load();
  s.jobs = impl_->jobs_run.load();
  s.run_us = impl_->run_us.load();
  s.commit_us = impl_->commit_us.load();
  s.max_batch = impl_->max_batch.load();
  return s;
}

const std::string& Database::path() const { return impl_->options.path; }

}  // namespace accessd::store
