// api_harness.h — a real accessd (the same App main.cc runs) on a loopback
// port with a fresh SQLite file in a temporary folder, and a real HTTP client
// to drive it. API tests are scenario tables over this harness.
//
// Argon2 runs with small parameters here (the cost is configuration; the
// production parameters are covered by tests/secret_hash_test.cc), so a
// suite that creates hundreds of tokens stays fast.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.h"
#include "base/clock.h"
#include "config.h"

namespace accessd::testing {

// A temporary folder removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Reply {
  int status = 0;
  nlohmann::json body;  // null when the body is empty or not JSON
  std::string text;
  httplib::Headers headers;
  std::string Header(const std::string& name) const;
};

// One caller: anonymous, a session (cookie + CSRF) or a token.
struct Caller {
  std::string token;   // Bearer token, if any
  bool basic = false;  // present the token with Basic instead
  std::string cookie;  // "accessd_session=…"
  std::string csrf;
  std::string user_id;
  std::string email;
};

class TestServer {
 public:
  // Starts a server with a fresh database; `admin_email`/`admin_password`
  // are bootstrapped as the Default organization's admin.
  explicit TestServer(Config config = Config(), const Clock* clock = nullptr);
  ~TestServer();

  // Stops (drains) and starts again on the same database file.
  void Restart();
  void Stop();

  int port() const { return port_; }
  App& app() { return *app_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string db_path() const { return config_.db_path; }
  const std::string& org_id() const { return org_id_; }

  Reply Call(const Caller& who, const std::string& method, const std::string& path,
             const std::optional<nlohmann::json>& body = std::nullopt);
  Reply CallRaw(const Caller& who, const std::string& method, const std::string& path,
                const std::string& body, const std::string& content_type = "application/json");

  // Logs in; CHECKs success.
  Caller Login(const std::string& email, const std::string& password);
  Caller Admin();  // the bootstrapped admin's session

  // Shortcuts that CHECK success and return the created object's id / secret.
  std::string CreateWorkspace(const Caller& admin, const std::string& name);
  // Invites and accepts; returns the new user's session.
  Caller CreateUser(const Caller& admin, const std::string& email, const std::string& role,
                    const std::vector<std::string>& workspace_ids);
  struct Token {
    std::string id;
    std::string secret;
  };
  Token CreateSat(const Caller& admin, const std::string& level, const std::string& workspace_id,
                  const nlohmann::json& policy = nlohmann::json::object());
  Token CreatePat(const Caller& user, const std::string& workspace_id, const std::string& scope);

  static Caller Bearer(const std::string& token) {
    Caller c;
    c.token = token;
    return c;
  }

  static constexpr const char* kAdminEmail = "admin@example.test";
  static constexpr const char* kAdminPassword = "admin-password-123";
  static constexpr const char* kUserPassword = "user-password-123";

 private:
  void Start();

  TempDir dir_;
  Config config_;
  const Clock* clock_;
  std::unique_ptr<App> app_;
  std::thread thread_;
  int port_ = 0;
  std::string org_id_;
};

// Standard base64 (for Basic authentication).
std::string Base64(const std::string& in);
// Reads a whole file (for "the secret is not in the database file" checks).
std::string ReadFile(const std::filesystem::path& p);
// The database file plus its WAL, concatenated.
std::string ReadDatabaseFiles(const std::string& db_path);

}  // namespace accessd::testing
