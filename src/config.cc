// config.cc — config.toml parsing with toml++, strict about unknown keys and
// types so a typo never silently falls back to a default.
#include "config.h"

#include <cstdlib>
#include <fstream>
#include <set>

#include <toml++/toml.h>

namespace accessd {

bool ParseListen(const std::string& s, std::string* host, int* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = s.substr(0, colon), p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  if (p.empty() || p.size() > 5) return false;
  int v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > 65535) return false;
  *host = h;
  *port = v;
  return true;
}

namespace {

struct Reader {
  std::string file;
  std::string error;

  std::string Where(const toml::node& n, const std::string& key) {
    return file + ":" + std::to_string(n.source().begin.line) + ": " + key + ": ";
  }

  bool Int(const toml::table& t, const std::string& section, const char* key, int64_t lo,
           int64_t hi, int64_t* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    std::string full = section + "." + key;
    auto v = n->value<int64_t>();
    if (!n->is_integer() || !v) {
      error = Where(*n, full) + "expected an integer";
      return false;
    }
    if (*v < lo || *v > hi) {
      error = Where(*n, full) + "must be between " + std::to_string(lo) + " and " +
              std::to_string(hi);
      return false;
    }
    *out = *v;
    return true;
  }

  bool Str(const toml::table& t, const std::string& section, const char* key, std::string* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_string()) {
      error = Where(*n, section + "." + key) + "expected a string";
      return false;
    }
    *out = *n->value<std::string>();
    return true;
  }

  bool Bool(const toml::table& t, const std::string& section, const char* key, bool* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_boolean()) {
      error = Where(*n, section + "." + key) + "expected true or false";
      return false;
    }
    *out = *n->value<bool>();
    return true;
  }

  bool OnlyKeys(const toml::table& t, const std::string& section,
                const std::set<std::string>& known) {
    for (const auto& [k, v] : t) {
      if (!known.count(std::string(k.str()))) {
        error = Where(v, section.empty() ? std::string(k.str())
                                         : section + "." + std::string(k.str())) +
                "unknown key";
        return false;
      }
    }
    return true;
  }
};

template <typename T>
bool SetInt(Reader& r, const toml::table& t, const std::string& s, const char* key, int64_t lo,
            int64_t hi, T* out) {
  int64_t v = static_cast<int64_t>(*out);
  if (!r.Int(t, s, key, lo, hi, &v)) return false;
  *out = static_cast<T>(v);
  return true;
}

}  // namespace

Status LoadConfigFile(const std::string& path, bool required, Config* c) {
  {
    std::ifstream probe(path);
    if (!probe) {
      if (required) return Status::Invalid(path + ": cannot read the config file");
      return Status::Ok();
    }
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::Invalid(path + ":" + std::to_string(e.source().begin.line) + ": " +
                           std::string(e.description()));
  }
  Reader r{path, ""};
  if (!r.OnlyKeys(root, "", {"server", "database", "security", "audit", "log"})) {
    return Status::Invalid(r.error);
  }
  auto section = [&](const char* name) -> const toml::table* {
    const toml::node* n = root.get(name);
    if (!n) return nullptr;
    return n->as_table();
  };
  for (const char* name : {"server", "database", "security", "audit", "log"}) {
    const toml::node* n = root.get(name);
    if (n && !n->is_table()) {
      return Status::Invalid(r.Where(*n, name) + "expected a table ([" + std::string(name) + "])");
    }
  }
  if (const toml::table* t = section("server")) {
    if (!r.OnlyKeys(*t, "server",
                    {"listen", "threads", "max_body_bytes", "keep_alive_max_count",
                     "read_timeout_seconds", "access_log"})) {
      return Status::Invalid(r.error);
    }
    std::string listen;
    if (!r.Str(*t, "server", "listen", &listen)) return Status::Invalid(r.error);
    if (!listen.empty() && !ParseListen(listen, &c->listen_host, &c->listen_port)) {
      return Status::Invalid(r.Where(*t->get("listen"), "server.listen") +
                             "expected HOST:PORT");
    }
    if (!SetInt(r, *t, "server", "threads", 8, 1024, &c->threads) ||
        !SetInt(r, *t, "server", "max_body_bytes", 1024, 64 << 20, &c->max_body_bytes) ||
        !SetInt(r, *t, "server", "keep_alive_max_count", 1, 100000000, &c->keep_alive_max_count) ||
        !SetInt(r, *t, "server", "read_timeout_seconds", 1, 3600, &c->read_timeout_seconds) ||
        !r.Bool(*t, "server", "access_log", &c->access_log)) {
      return Status::Invalid(r.error);
    }
  }
  if (const toml::table* t = section("database")) {
    if (!r.OnlyKeys(*t, "database", {"path"}) || !r.Str(*t, "database", "path", &c->db_path)) {
      return Status::Invalid(r.error);
    }
  }
  if (const toml::table* t = section("security")) {
    if (!r.OnlyKeys(*t, "security",
                    {"argon2_memory_kib", "argon2_iterations", "argon2_max_concurrent",
                     "session_idle_minutes", "cookie_secure", "revoke_per_minute"}) ||
        !SetInt(r, *t, "security", "argon2_memory_kib", 8, 4 << 20, &c->argon2_memory_kib) ||
        !SetInt(r, *t, "security", "argon2_iterations", 1, 100, &c->argon2_iterations) ||
        !SetInt(r, *t, "security", "argon2_max_concurrent", 1, 256, &c->argon2_max_concurrent) ||
        !SetInt(r, *t, "security", "session_idle_minutes", 1, 525600, &c->session_idle_minutes) ||
        !r.Bool(*t, "security", "cookie_secure", &c->cookie_secure) ||
        !SetInt(r, *t, "security", "revoke_per_minute", 1, 100000, &c->revoke_per_minute)) {
      return Status::Invalid(r.error);
    }
  }
  if (const toml::table* t = section("audit")) {
    if (!r.OnlyKeys(*t, "audit", {"prune_interval_seconds"}) ||
        !SetInt(r, *t, "audit", "prune_interval_seconds", 1, 86400 * 30,
                &c->prune_interval_seconds)) {
      return Status::Invalid(r.error);
    }
  }
  if (const toml::table* t = section("log")) {
    if (!r.OnlyKeys(*t, "log", {"level"}) || !r.Str(*t, "log", "level", &c->log_level)) {
      return Status::Invalid(r.error);
    }
    if (c->log_level != "debug" && c->log_level != "info" && c->log_level != "warn" &&
        c->log_level != "error") {
      return Status::Invalid(r.Where(*t->get("level"), "log.level") +
                             "must be debug, info, warn or error");
    }
  }
  return Status::Ok();
}

Status ApplyEnvironment(Config* c) {
  if (const char* l = std::getenv("ACCESSD_LISTEN"); l && *l) {
    if (!ParseListen(l, &c->listen_host, &c->listen_port)) {
      return Status::Invalid("ACCESSD_LISTEN: expected HOST:PORT");
    }
  }
  if (const char* d = std::getenv("ACCESSD_DB"); d && *d) c->db_path = d;
  return Status::Ok();
}

}  // namespace accessd
