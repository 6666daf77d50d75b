// api_harness.cc — the test server and client.
#include "api_harness.h"

#include <doctest/doctest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "base/random.h"

namespace accessd::testing {

std::string Base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

TempDir::TempDir() {
  path_ = std::filesystem::temp_directory_path() / ("accessd-test-" + RandomBase62(10));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string Reply::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

TestServer::TestServer(Config config, const Clock* clock) : config_(std::move(config)), clock_(clock) {
  config_.listen_host = "127.0.0.1";
  config_.listen_port = 0;
  config_.db_path = (dir_.path() / "accessd.db").string();
  config_.argon2_memory_kib = 256;
  config_.argon2_iterations = 1;
  config_.access_log = false;
  config_.threads = 16;
  Start();
  auto boot = app_->identity().Bootstrap(kAdminEmail, std::string(kAdminPassword));
  if (!boot.ok()) {
    Stop();  // join the server thread before REQUIRE throws out of the constructor
    FAIL("bootstrap failed: " << boot.status().message());
  }
  org_id_ = boot->org_id;
}

TestServer::~TestServer() { Stop(); }

void TestServer::Start() {
  app_ = std::make_unique<App>(config_, clock_);
  Status s = app_->Open();
  REQUIRE_MESSAGE(s.ok(), s.message());
  auto port = app_->Bind();
  REQUIRE(port.ok());
  port_ = *port;
  thread_ = std::thread([this] { app_->Serve(); });
}

void TestServer::Stop() {
  if (!app_) return;
  app_->Stop();
  if (thread_.joinable()) thread_.join();
  app_.reset();
}

void TestServer::Restart() {
  Stop();
  config_.listen_port = 0;
  Start();
}

Reply TestServer::CallRaw(const Caller& who, const std::string& method, const std::string& path,
                          const std::string& body, const std::string& content_type) {
  httplib::Client cli("127.0.0.1", port_);
  cli.set_read_timeout(30, 0);
  httplib::Headers h;
  if (!who.token.empty()) {
    if (who.basic) {
      std::string raw = ":" + who.token;
      h.emplace("Authorization", "Basic " + Base64(raw));
    } else {
      h.emplace("Authorization", "Bearer " + who.token);
    }
  }
  if (!who.cookie.empty()) h.emplace("Cookie", who.cookie);
  if (!who.csrf.empty() && method != "GET") h.emplace("X-CSRF-Token", who.csrf);
  httplib::Result r{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    r = cli.Get(path, h);
  } else if (method == "POST") {
    r = cli.Post(path, h, body, content_type);
  } else if (method == "PUT") {
    r = cli.Put(path, h, body, content_type);
  } else if (method == "PATCH") {
    r = cli.Patch(path, h, body, content_type);
  } else if (method == "DELETE") {
    r = cli.Delete(path, h, body, content_type);
  } else {
    FAIL("unsupported method " << method);
  }
  Reply out;
  REQUIRE_MESSAGE(r, "no answer for " << method << " " << path);
  out.status = r->status;
  out.text = r->body;
  out.headers = r->headers;
  if (!r->body.empty()) {
    out.body = nlohmann::json::parse(r->body, nullptr, false);
    if (out.body.is_discarded()) out.body = nullptr;
  }
  return out;
}

Reply TestServer::Call(const Caller& who, const std::string& method, const std::string& path,
                       const std::optional<nlohmann::json>& body) {
  return CallRaw(who, method, path, body ? body->dump() : std::string());
}

Caller TestServer::Login(const std::string& email, const std::string& password) {
  Reply r = Call(Caller{}, "POST", "/api/session", nlohmann::json{{"email", email}, {"password", password}});
  REQUIRE_MESSAGE(r.status == 200, "login failed: " << r.text);
  Caller c;
  std::string set_cookie = r.Header("Set-Cookie");
  c.cookie = set_cookie.substr(0, set_cookie.find(';'));
  c.csrf = r.body["csrfToken"].get<std::string>();
  c.user_id = r.body["user"]["id"].get<std::string>();
  c.email = email;
  return c;
}

Caller TestServer::Admin() { return Login(kAdminEmail, kAdminPassword); }

std::string TestServer::CreateWorkspace(const Caller& admin, const std::string& name) {
  Reply r = Call(admin, "POST", "/api/workspaces",
                 nlohmann::json{{"name", name}, {"environment", "test"}});
  REQUIRE_MESSAGE(r.status == 201, r.text);
  return r.body["workspace"]["id"].get<std::string>();
}

Caller TestServer::CreateUser(const Caller& admin, const std::string& email,
                              const std::string& role,
                              const std::vector<std::string>& workspace_ids) {
  nlohmann::json body = {{"emails", {email}}, {"role", role}, {"workspaceIds", workspace_ids}};
  if (workspace_ids.empty()) body["workspaceIds"] = nlohmann::json::array();
  Reply inv = Call(admin, "POST", "/api/invitations", body);
  if (workspace_ids.empty()) {
    // Admins need no workspace, but an invitation needs one: make one up.
    REQUIRE(inv.status == 400);
    std::string ws = CreateWorkspace(admin, "for-" + email);
    body["workspaceIds"] = {ws};
    inv = Call(admin, "POST", "/api/invitations", body);
  }
  REQUIRE_MESSAGE(inv.status == 201, inv.text);
  std::string token = inv.body["invitations"][0]["token"].get<std::string>();
  Reply acc = Call(Caller{}, "POST", "/api/invitations/accept",
                   nlohmann::json{{"token", token}, {"displayName", email}, {"password", kUserPassword}});
  REQUIRE_MESSAGE(acc.status == 201, acc.text);
  return Login(email, kUserPassword);
}

TestServer::Token TestServer::CreateSat(const Caller& admin, const std::string& level,
                                        const std::string& workspace_id,
                                        const nlohmann::json& policy) {
  nlohmann::json body = {{"level", level}, {"name", level + " token " + RandomBase62(4)}};
  if (level == "workspace") {
    body["workspaceId"] = workspace_id;
    body["policy"] = policy;
  }
  Reply r = Call(admin, "POST", "/api/service-access-tokens", body);
  REQUIRE_MESSAGE(r.status == 201, r.text);
  return {r.body["token"]["id"].get<std::string>(), r.body["secret"].get<std::string>()};
}

TestServer::Token TestServer::CreatePat(const Caller& user, const std::string& workspace_id,
                                        const std::string& scope) {
  Reply r = Call(user, "POST", "/api/personal-access-tokens",
                 nlohmann::json{{"name", "pat " + RandomBase62(4)}, {"workspaceId", workspace_id}, {"scope", scope}});
  REQUIRE_MESSAGE(r.status == 201, r.text);
  return {r.body["token"]["id"].get<std::string>(), r.body["secret"].get<std::string>()};
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadDatabaseFiles(const std::string& db_path) {
  return ReadFile(db_path) + ReadFile(db_path + "-wal");
}

}  // namespace accessd::testing
