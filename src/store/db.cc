// db.cc — opening, migrating, the reader pool and the group-commit writer.
#include "store/db.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>

#include "base/log.h"
#include "store/conn.h"
#include "store/wal_vfs.h"

// schema.sql, embedded at build time (scripts/embed.py).
extern const char kSchemaSql[];

namespace accessd::store {

namespace {

constexpr int kSchemaVersion = 2;

// schema.sql holds every version's tables; a version's own part starts at its
// "-- @version N" line. A file at version N-1 gets exactly that part.
std::string SchemaPartFrom(int version) {
  const std::string all = kSchemaSql;
  const std::string marker = "\n-- @version " + std::to_string(version) + " ";
  const size_t at = all.find(marker);
  if (at == std::string::npos) throw std::logic_error("schema.sql has no " + marker.substr(1));
  return all.substr(at + 1);
}

// A queued write: the job, and how its caller learns the outcome. The caller
// sleeps on its own semaphore, which the writer posts exactly once, after
// the job's batch committed or rolled back and outside any lock: finishing a
// batch wakes exactly the callers it served, and they do not then contend
// for a mutex. (glibc's sem_post is safe against the waiter returning and
// destroying the semaphore as soon as sem_wait returns.)
struct PendingJob {
  PendingJob() { sem_init(&sem, 0, 0); }
  ~PendingJob() { sem_destroy(&sem); }
  PendingJob(const PendingJob&) = delete;
  PendingJob& operator=(const PendingJob&) = delete;

  Database::Job job;
  std::function<void()> after_commit;
  bool savepoint = true;  // false: the job is one statement (WriteOneStatement)
  Status result;
  sem_t sem;
};

std::unique_ptr<SQLite::Database> OpenConnection(const std::string& path, bool read_only,
                                                 int busy_timeout_ms) {
  int flags = read_only ? SQLite::OPEN_READONLY
                        : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;  // one thread at a time per connection, by construction
  // The writer's WAL frames reach the file in one write per commit; that
  // VFS needs every commit to sync the WAL, which FULL below guarantees.
  auto db = std::make_unique<SQLite::Database>(path, flags, busy_timeout_ms,
                                               read_only ? "" : CoalescingWalVfsName());
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
  std::deque<PendingJob*> queue;
  bool writer_waiting = false;      // the writer sleeps on cv_jobs
  bool closing = false;
  bool closed = false;
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> batches{0}, jobs_run{0}, run_us{0}, commit_us{0}, max_batch{0};
  std::atomic<uint64_t> jobs_committed{0};
  std::atomic<uint64_t> change_generation{0};

  Status Submit(Job job, std::function<void()> after_commit, bool savepoint);
  void WriterLoop();
  void RunBatch(std::vector<PendingJob*>& batch);
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Database::~Database() { Close(); }

StatusOr<std::unique_ptr<Database>> Database::Open(const DbOptions& options) {
  static std::once_flag configured;
  std::call_once(configured, [] {
    // SQLite's allocation statistics take one process-wide mutex on every
    // malloc and free, which every reader and the writer then contend for.
    // Only possible before SQLite initialises; harmless to skip otherwise.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
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
    // One step per version, each in its own transaction with its version
    // number, so an interrupted upgrade resumes where it stopped.
    for (int from = version; from != 0 && from < kSchemaVersion; ++from) {
      SQLite::Transaction tx(*db);
      db->exec(SchemaPartFrom(from + 1));
      db->exec("PRAGMA user_version=" + std::to_string(from + 1));
      tx.commit();
      LogInfo(options.path + ": schema upgraded to version " + std::to_string(from + 1));
    }
    impl->writer = std::make_unique<Conn>(std::move(db));
  } catch (const SQLite::Exception& e) {
    return Status::Invalid("cannot open database " + options.path + ": " + e.what());
  }
  Impl* raw = impl.get();
  impl->writer_thread = std::thread([raw] { raw->WriterLoop(); });
  pthread_setname_np(impl->writer_thread.native_handle(), "db-writer");
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
  return impl_->Submit(std::move(job), std::move(after_commit), true);
}

Status Database::WriteOneStatement(Job job) {
  return impl_->Submit(std::move(job), nullptr, false);
}

Status Database::Impl::Submit(Job job, std::function<void()> after_commit, bool savepoint) {
  PendingJob pending;
  pending.job = std::move(job);
  pending.after_commit = std::move(after_commit);
  pending.savepoint = savepoint;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (closing) return Status::Unavailable("the server is shutting down");
    queue.push_back(&pending);
    // Under load the writer finds the next batch already queued when a
    // commit ends and never sleeps; wake it only when it does.
    if (writer_waiting) cv_jobs.notify_one();
  }
  while (sem_wait(&pending.sem) != 0) {
    // EINTR: keep waiting; the writer posts exactly once.
  }
  return pending.result;
}

void Database::Impl::WriterLoop() {
  std::vector<PendingJob*> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      writer_waiting = true;
      cv_jobs.wait(lock, [&] { return !queue.empty() || closing; });
      writer_waiting = false;
      if (queue.empty() && closing) return;
      while (!queue.empty() && static_cast<int>(batch.size()) < options.max_batch) {
        batch.push_back(queue.front());
        queue.pop_front();
      }
    }
    RunBatch(batch);
    for (PendingJob* p : batch) sem_post(&p->sem);  // the last touch of *p
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
    writer->Run("BEGIN IMMEDIATE");
  } catch (const SQLite::Exception& e) {
    LogError(std::string("cannot begin write transaction: ") + e.what());
    for (PendingJob* p : batch) p->result = Status::Internal("internal error");
    return;
  }
  for (PendingJob* p : batch) {
    try {
      if (p->savepoint) writer->Run("SAVEPOINT job");
      try {
        p->result = p->job(*writer);
      } catch (const SQLite::Exception& e) {
        p->result = ConstraintOrInternal(e);
      } catch (const std::exception& e) {
        LogError(std::string("write job failed: ") + e.what());
        p->result = Status::Internal("internal error");
      }
      writer->ResetUsed();
      // A one-statement job needs no savepoint: SQLite undoes a failed
      // statement by itself, and one that succeeded is the whole job.
      if (p->savepoint) {
        if (!p->result.ok()) writer->Run("ROLLBACK TO job");
        writer->Run("RELEASE job");
      }
    } catch (const SQLite::Exception& e) {
      LogError(std::string("savepoint handling failed: ") + e.what());
      p->result = Status::Internal("internal error");
    }
    if (sqlite3_get_autocommit(db.getHandle()) != 0) {
      // Some errors (disk full, I/O) make SQLite roll back the whole
      // transaction: nothing of this batch will commit, and the jobs after
      // this one must not run outside a transaction.
      LogError("the write transaction was rolled back by SQLite; failing its batch");
      for (PendingJob* q : batch) q->result = Status::Internal("internal error");
      return;
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
    writer->Run("COMMIT");
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
  bool changed = false;
  for (PendingJob* p : batch) changed = changed || (p->result.ok() && p->savepoint);
  if (changed) change_generation.fetch_add(1, std::memory_order_release);
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

uint64_t Database::change_generation() const {
  return impl_->change_generation.load(std::memory_order_acquire);
}

Database::WriterStats Database::writer_stats() const {
  WriterStats s;
  s.batches = impl_->batches.load();
  s.jobs = impl_->jobs_run.load();
  s.run_us = impl_->run_us.load();
  s.commit_us = impl_->commit_us.load();
  s.max_batch = impl_->max_batch.load();
  const WalWriteCounts wal = CoalescingWalVfsCounts();
  s.wal_writes_made = wal.made;
  s.wal_writes_sent = wal.sent;
  return s;
}

const std::string& Database::path() const { return impl_->options.path; }

}  // namespace accessd::store
