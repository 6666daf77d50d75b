// durable_floor.cc — what answering after a durable write costs on this
// machine, without any of accessd's request work (`make bench` only).
//
// The same HTTP server setup as accessd (cpp-httplib, TCP_NODELAY, long
// keep-alive, a pool of 64 workers) with three routes:
//   GET /healthz       answers at once, like accessd's
//   GET /append        answers after its 4 KiB record is appended to a file
//                      and fdatasync'ed, in group commit: one writer thread
//                      takes every queued record, writes them with one call,
//                      syncs once and wakes each waiter (no SQLite at all)
//   GET /audit-row     answers after one audit row committed durably
//                      through accessd's own writer (store::Database, WAL,
//                      synchronous=FULL), as every audited request does
// Usage: durable_floor DIR PORT (prints "ready" when listening).
#include <httplib.h>

#include <fcntl.h>
#include <semaphore.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/audit.h"
#include "store/db.h"

using namespace accessd;

namespace {

// Group commit of fixed 4 KiB records to one file, the shape of
// store::Database's writer without SQLite.
class AppendLog {
 public:
  // Lives until the process ends (its writer thread never stops).
  explicit AppendLog(const std::string& path)
      : fd_(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)) {
    std::thread([this] { Loop(); }).detach();
  }

  bool ok() const { return fd_ >= 0; }

  // Returns once the caller's record is on disk.
  void Append() {
    Waiter w;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(&w);
      if (sleeping_) cv_.notify_one();
    }
    while (sem_wait(&w.sem) != 0) {
    }
  }

 private:
  struct Waiter {
    Waiter() { sem_init(&sem, 0, 0); }
    ~Waiter() { sem_destroy(&sem); }
    sem_t sem;
  };

  void Loop() {
    std::vector<Waiter*> batch;
    std::vector<char> records;
    off_t at = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        sleeping_ = true;
        cv_.wait(lock, [this] { return !queue_.empty(); });
        sleeping_ = false;
        batch.assign(queue_.begin(), queue_.end());
        queue_.clear();
      }
      records.assign(batch.size() * 4096, 'r');
      if (pwrite(fd_, records.data(), records.size(), at) < 0) std::perror("pwrite");
      at = at + static_cast<off_t>(records.size()) > (64 << 20) ? 0 : at + records.size();
      if (fdatasync(fd_) != 0) std::perror("fdatasync");
      for (Waiter* w : batch) sem_post(&w->sem);
    }
  }

  int fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Waiter*> queue_;
  bool sleeping_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: durable_floor DIR PORT\n");
    return 2;
  }
  const std::string dir = argv[1];
  store::DbOptions options;
  options.path = dir + "/floor.db";
  auto db = store::Database::Open(options);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().message().c_str());
    return 1;
  }
  store::Database& database = **db;
  AppendLog& log = *new AppendLog(dir + "/floor.log");
  if (!log.ok()) {
    std::perror("open floor.log");
    return 1;
  }

  httplib::Server http;
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(100000);
  http.set_keep_alive_timeout(5);
  http.new_task_queue = [] { return new httplib::ThreadPool(64); };
  const std::string ok = R"({"status":"ok"})";
  http.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(ok, "application/json");
  });
  http.Get("/append", [&](const httplib::Request&, httplib::Response& res) {
    log.Append();
    res.set_content(ok, "application/json");
  });
  http.Get("/audit-row", [&](const httplib::Request& req, httplib::Response& res) {
    model::AuditRow row;
    row.created_at = 1;
    row.org_id = "org_floor";
    row.workspace_id = "ws_floor";
    row.actor_type = "service_access_token";
    row.actor_id = "floor";
    row.target_type = "workspace";
    row.target_id = "ws_floor";
    row.action = "read";
    row.ip = req.remote_addr;
    row.user_agent = req.get_header_value("User-Agent");
    row.outcome = "success";
    row.details_json = R"({"method":"GET","path":"/audit-row","status":200})";
    const Status s = service::RecordRow(database, row);
    res.status = s.ok() ? 200 : 500;
    res.set_content(ok, "application/json");
  });
  const int port = std::atoi(argv[2]);
  if (!http.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  http.listen_after_bind();
  return 0;
}
