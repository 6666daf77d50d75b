// db_test.cc — the group-commit writer against a real SQLite file with the
// real schema: batching, per-job rollback, constraint mapping, after_commit
// ordering, reopening, and refusing foreign files.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <thread>
#include <vector>

#include "api_harness.h"
#include "store/audit_store.h"
#include "store/conn.h"
#include "store/db.h"
#include "store/org_store.h"

using namespace accessd;

namespace {

std::unique_ptr<store::Database> OpenAt(const std::string& path) {
  store::DbOptions o;
  o.path = path;
  auto db = store::Database::Open(o);
  REQUIRE_MESSAGE(db.ok(), db.status().message());
  return std::move(db.value());
}

model::AuditRow Row(const std::string& org, const std::string& target) {
  model::AuditRow r;
  r.created_at = 1;
  r.org_id = org;
  r.actor_type = "system";
  r.actor_id = "system";
  r.target_type = "organization";
  r.target_id = target;
  r.action = "updated";
  r.outcome = "success";
  r.details_json = "{}";
  return r;
}

}  // namespace

TEST_CASE("concurrent writes are batched, and a failing job rolls back alone") {
  testing::TempDir dir;
  auto db = OpenAt((dir.path() / "a.db").string());
  const int kThreads = 16, kPerThread = 50;
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        bool fail = (i % 3) == 0;
        std::string target = std::to_string(t) + "-" + std::to_string(i);
        Status s = db->Write([&](store::Conn& c) {
          store::InsertAudit(c, Row("org_a", target));
          // A failing job has already written: its savepoint must undo it.
          return fail ? Status::Invalid("no") : Status::Ok();
        });
        (s.ok() ? ok : failed)++;
        CHECK(s.ok() == !fail);
      }
    });
  }
  for (auto& th : threads) th.join();
  int64_t rows = 0;
  db->Read([&](store::Conn& c) {
    store::AuditQuery q;
    q.org_id = "org_a";
    q.limit = 100000;
    rows = static_cast<int64_t>(store::QueryAudit(c, q).size());
  });
  CHECK(rows == ok.load());
  CHECK(failed.load() == kThreads * ((kPerThread + 2) / 3));
  // Group commit: fewer transactions than successful jobs.
  CHECK(db->commits() < static_cast<uint64_t>(ok.load()));
  CHECK(db->jobs_committed() == static_cast<uint64_t>(ok.load()));
}

TEST_CASE("one-statement jobs share batches; a failing one undoes only itself") {
  testing::TempDir dir;
  auto db = OpenAt((dir.path() / "one.db").string());
  const int kThreads = 16, kPerThread = 60;
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        model::AuditRow row = Row("org_one", std::to_string(t) + "-" + std::to_string(i));
        Status s;
        if (i % 4 == 0) {
          // Violates the outcome CHECK: the statement fails and, without a
          // savepoint around it, must still leave nothing behind.
          row.outcome = "bogus";
          s = db->WriteOneStatement([&](store::Conn& c) {
            store::InsertAudit(c, row);
            return Status::Ok();
          });
          CHECK(s.code() == Status::Code::kConflict);
          conflicts++;
        } else if (i % 4 == 1) {
          s = db->Write([&](store::Conn& c) {  // an ordinary job in the same batches
            store::InsertAudit(c, row);
            return Status::Ok();
          });
          CHECK(s.ok());
          ok++;
        } else {
          s = db->WriteOneStatement([&](store::Conn& c) {
            store::InsertAudit(c, row);
            return Status::Ok();
          });
          CHECK(s.ok());
          ok++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<model::AuditRow> rows;
  db->Read([&](store::Conn& c) {
    store::AuditQuery q;
    q.org_id = "org_one";
    q.limit = 100000;
    rows = store::QueryAudit(c, q);
  });
  CHECK(static_cast<int>(rows.size()) == ok.load());
  CHECK(conflicts.load() == kThreads * kPerThread / 4);
  for (const auto& r : rows) CHECK(r.outcome == "success");
  CHECK(db->commits() < static_cast<uint64_t>(ok.load()));
  CHECK(db->jobs_committed() == static_cast<uint64_t>(ok.load()));
}

TEST_CASE("constraint violations become kConflict and change nothing") {
  testing::TempDir dir;
  auto db = OpenAt((dir.path() / "b.db").string());
  model::Organization o;
  o.id = "org_x";
  o.name = "X";
  Status first = db->Write([&](store::Conn& c) {
    store::InsertOrganization(c, o);
    return Status::Ok();
  });
  CHECK(first.ok());
  Status again = db->Write([&](store::Conn& c) {
    store::InsertAudit(c, Row("org_x", "partial"));
    store::InsertOrganization(c, o);  // duplicate primary key
    return Status::Ok();
  });
  CHECK(again.code() == Status::Code::kConflict);
  int64_t rows = -1;
  db->Read([&](store::Conn& c) {
    store::AuditQuery q;
    q.org_id = "org_x";
    rows = static_cast<int64_t>(store::QueryAudit(c, q).size());
  });
  CHECK(rows == 0);  // the audit row of the failed job was rolled back with it
}

TEST_CASE("the change generation moves for committed changes, not for reads' audit rows") {
  testing::TempDir dir;
  auto db = OpenAt((dir.path() / "g.db").string());
  const uint64_t g0 = db->change_generation();
  // An audit row of a read (a one-statement job) is no change a cache holds.
  REQUIRE(db->WriteOneStatement([](store::Conn& c) {
              store::InsertAudit(c, Row("org_a", "read"));
              return Status::Ok();
            }).ok());
  CHECK(db->change_generation() == g0);
  // A failed change commits nothing.
  CHECK(db->Write([](store::Conn& c) {
              store::InsertAudit(c, Row("org_a", "undone"));
              return Status::Invalid("no");
            }).code() == Status::Code::kInvalid);
  CHECK(db->change_generation() == g0);
  // A committed change has moved it by the time Write returns, and its
  // after_commit hook already sees the new value.
  uint64_t seen_in_hook = 0;
  REQUIRE(db->Write(
                [](store::Conn& c) {
                  store::InsertAudit(c, Row("org_a", "changed"));
                  return Status::Ok();
                },
                [&] { seen_in_hook = db->change_generation(); })
              .ok());
  CHECK(db->change_generation() == g0 + 1);
  CHECK(seen_in_hook == g0 + 1);
}

TEST_CASE("after_commit runs after the commit and before Write returns") {
  testing::TempDir dir;
  auto db = OpenAt((dir.path() / "c.db").string());
  bool ran = false;
  bool visible_in_hook = false;
  Status s = db->Write(
      [&](store::Conn& c) {
        store::InsertAudit(c, Row("org_c", "t"));
        return Status::Ok();
      },
      [&] {
        ran = true;
        db->Read([&](store::Conn& c) {
          store::AuditQuery q;
          q.org_id = "org_c";
          visible_in_hook = !store::QueryAudit(c, q).empty();
        });
      });
  CHECK(s.ok());
  CHECK(ran);
  CHECK(visible_in_hook);
  bool failed_hook = false;
  db->Write([](store::Conn&) { return Status::Invalid("x"); }, [&] { failed_hook = true; });
  CHECK_FALSE(failed_hook);  // no hook for a job that did not commit
}

TEST_CASE("data survives closing and reopening; foreign files are refused") {
  testing::TempDir dir;
  std::string path = (dir.path() / "d.db").string();
  {
    auto db = OpenAt(path);
    db->Write([&](store::Conn& c) {
      store::InsertAudit(c, Row("org_d", "kept"));
      return Status::Ok();
    });
    db->Close();
    CHECK(db->Write([](store::Conn&) { return Status::Ok(); }).code() ==
          Status::Code::kUnavailable);
  }
  {
    auto db = OpenAt(path);
    size_t n = 0;
    db->Read([&](store::Conn& c) {
      store::AuditQuery q;
      q.org_id = "org_d";
      n = store::QueryAudit(c, q).size();
    });
    CHECK(n == 1);
  }
  std::string foreign = (dir.path() / "other.db").string();
  {
    SQLite::Database f(foreign, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    f.exec("CREATE TABLE t(x)");
  }
  store::DbOptions o;
  o.path = foreign;
  auto r = store::Database::Open(o);
  CHECK_FALSE(r.ok());
  CHECK(r.status().message().find("not an accessd database") != std::string::npos);
}

TEST_CASE("a version-1 file is upgraded to version 2 in place, keeping its rows") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "v1.db").string();
  {
    // A version-1 file: schema.sql up to the version-2 marker, as released.
    extern const char kSchemaSql[];
    const std::string all = kSchemaSql;
    const size_t marker = all.find("\n-- @version 2 ");
    REQUIRE(marker != std::string::npos);
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA journal_mode=WAL");
    raw.exec(all.substr(0, marker));
    raw.exec("PRAGMA user_version=1");
    raw.exec(
        "INSERT INTO organizations (id, name, created_at, updated_at)"
        " VALUES ('org_old', 'Old', 1, 1)");
  }
  {
    auto db = OpenAt(path);
    db->Read([&](store::Conn& c) {
      CHECK(c.db().execAndGet("PRAGMA user_version").getInt() == 2);
      CHECK(c.db().tableExists("legacy_roles"));
      CHECK(c.db().tableExists("migration_staging"));
      CHECK(store::FindOrganization(c, "org_old").has_value());
    });
  }
  // Opening again is a no-op: the version stays and nothing is re-applied.
  auto db = OpenAt(path);
  db->Read([&](store::Conn& c) {
    CHECK(c.db().execAndGet("PRAGMA user_version").getInt() == 2);
    CHECK(c.db().execAndGet("PRAGMA integrity_check").getString() == "ok");
  });
}
