// wal_vfs_test.cc — the coalescing WAL VFS (store/wal_vfs.h) against real
// SQLite files: what a commit writes is what every other connection reads,
// across small and large transactions, checkpoints and WAL restarts,
// reopening, and a process that dies with frames still held.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "api_harness.h"
#include "store/wal_vfs.h"

using namespace accessd;

namespace {

std::unique_ptr<SQLite::Database> OpenWriter(const std::string& path) {
  auto db = std::make_unique<SQLite::Database>(
      path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000, store::CoalescingWalVfsName());
  db->exec("PRAGMA journal_mode=WAL");
  db->exec("PRAGMA synchronous=FULL");
  return db;
}

// Rows and a checksum of their text, as a connection through SQLite's
// default VFS sees them.
std::pair<int64_t, int64_t> Seen(const std::string& path) {
  SQLite::Database reader(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(reader, "SELECT count(*), coalesce(sum(length(v) * (id % 7 + 1)), 0) FROM t");
  REQUIRE(q.executeStep());
  return {q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
}

// Inserts `rows` rows of `bytes` bytes each in one transaction; returns the
// checksum the rows add.
int64_t InsertRows(SQLite::Database& db, int64_t first_id, int rows, int bytes) {
  SQLite::Transaction tx(db);
  SQLite::Statement ins(db, "INSERT INTO t (id, v) VALUES (?, ?)");
  int64_t sum = 0;
  for (int i = 0; i < rows; ++i) {
    const int64_t id = first_id + i;
    ins.bind(1, id);
    ins.bind(2, std::string(static_cast<size_t>(bytes), static_cast<char>('a' + id % 26)));
    ins.exec();
    ins.reset();
    sum += static_cast<int64_t>(bytes) * (id % 7 + 1);
  }
  tx.commit();
  return sum;
}

std::string IntegrityOf(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA integrity_check").getString();
}

}  // namespace

TEST_CASE("the coalescing WAL VFS: every commit is what other connections read") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "vfs.db").string();
  auto db = OpenWriter(path);
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  CHECK(std::string(db->execAndGet("PRAGMA journal_mode").getString()) == "wal");

  int64_t rows = 0, sum = 0, next_id = 1;
  auto add = [&](int n, int bytes) {
    sum += InsertRows(*db, next_id, n, bytes);
    next_id += n;
    rows += n;
    CHECK(Seen(path) == std::make_pair(rows, sum));
  };

  SUBCASE("small commits, each sent in a few writes however many frames it has") {
    const auto before = store::CoalescingWalVfsCounts();
    for (int i = 0; i < 20; ++i) add(30, 500);  // ~4 pages of rows plus index pages
    const auto after = store::CoalescingWalVfsCounts();
    const auto made = after.made - before.made, sent = after.sent - before.sent;
    // Two writes per frame made, about one sent per commit.
    CHECK(made >= 20 * 2 * 4);
    CHECK(sent <= 20 * 2);
    CHECK(sent * 4 <= made);
  }

  SUBCASE("a commit larger than one write, and one larger than the held limit") {
    add(1, 200 * 1024);         // ~50 pages: more than one write of 31 pages
    add(2500, 2000);            // ~5 MB: sent in part before the commit's sync
    add(3, 10);
  }

  SUBCASE("checkpoints and WAL restarts between commits") {
    for (int round = 0; round < 5; ++round) {
      add(50, 300);
      db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
      CHECK(Seen(path) == std::make_pair(rows, sum));
      add(10, 5000);
      db->exec("PRAGMA wal_checkpoint(RESTART)");
      add(1, 10);
    }
  }

  SUBCASE("a rolled-back transaction leaves nothing; the next commit is whole") {
    {
      SQLite::Transaction tx(*db);
      db->exec("INSERT INTO t (id, v) VALUES (1000000, 'gone')");
      db->exec("UPDATE t SET v = 'changed'");
    }  // rolled back
    CHECK(Seen(path) == std::make_pair(rows, sum));
    add(40, 700);
  }

  CHECK(IntegrityOf(path) == "ok");
  db.reset();  // close: the WAL is checkpointed through the VFS
  CHECK(Seen(path) == std::make_pair(rows, sum));
  db = OpenWriter(path);
  add(5, 100);
  CHECK(IntegrityOf(path) == "ok");
}

TEST_CASE("the coalescing WAL VFS: a file that cannot be opened is an error, not a crash") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "missing-folder" / "x.db").string();
  CHECK_THROWS_AS(SQLite::Database(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0,
                                   store::CoalescingWalVfsName()),
                  SQLite::Exception);
  // A read-only open of a file that does not exist fails the same way.
  CHECK_THROWS_AS(SQLite::Database((dir.path() / "absent.db").string(), SQLite::OPEN_READONLY, 0,
                                   store::CoalescingWalVfsName()),
                  SQLite::Exception);
}

TEST_CASE("the coalescing WAL VFS: a process that dies mid-transaction loses only that transaction") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "crash.db").string();
  int64_t sum = 0;
  {
    auto db = OpenWriter(path);
    db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    sum = InsertRows(*db, 1, 100, 1000);
  }
  // The child commits one transaction, then dies in the middle of a second,
  // large one: some of its frames sent (over the held limit), the rest held.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      auto db = OpenWriter(path);
      InsertRows(*db, 101, 10, 1000);
      db->exec("BEGIN");
      SQLite::Statement ins(*db, "INSERT INTO t (id, v) VALUES (?, ?)");
      for (int i = 0; i < 3000; ++i) {
        ins.bind(1, int64_t{1000 + i});
        ins.bind(2, std::string(2000, 'x'));
        ins.exec();
        ins.reset();
      }
    } catch (...) {
      _exit(3);
    }
    _exit(0);  // no commit, no close: as if killed
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  int64_t committed = 0;
  for (int64_t id = 101; id < 111; ++id) committed += 1000 * (id % 7 + 1);
  CHECK(Seen(path) == std::make_pair(int64_t{110}, sum + committed));
  CHECK(IntegrityOf(path) == "ok");
  auto db = OpenWriter(path);
  CHECK(db->execAndGet("SELECT count(*) FROM t WHERE id >= 1000").getInt() == 0);
}
