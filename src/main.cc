// main.cc — flags → config → open database → build services → serve.
//
//   accessd serve [--config FILE] [--listen HOST:PORT] [--db PATH]
//   accessd org create --name NAME --admin-email EMAIL --admin-password PASSWORD [--db PATH]
//   accessd legacy import FILE [--db PATH]
//   accessd version | --help
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.h"
#include "base/log.h"
#include "config.h"
#include "service/legacy_import.h"

namespace {

constexpr char kVersion[] = "0.1.0";

constexpr char kUsage[] =
    "accessd — access management: service and personal access tokens, policies, audit log\n"
    "\n"
    "Usage:\n"
    "  accessd serve [--config FILE] [--listen HOST:PORT] [--db PATH]\n"
    "  accessd org create --name NAME --admin-email EMAIL --admin-password PASSWORD [--db PATH]\n"
    "  accessd legacy import FILE [--db PATH]\n"
    "  accessd version\n"
    "  accessd --help\n"
    "\n"
    "Settings come from flags, then the environment (ACCESSD_LISTEN, ACCESSD_DB), then the\n"
    "config file (default ./config.toml when present), then defaults (127.0.0.1:8080,\n"
    "./data/accessd.db). On an empty database `serve` creates the organization \"Default\"\n"
    "and an admin from ACCESSD_ADMIN_EMAIL (default admin@localhost) and\n"
    "ACCESSD_ADMIN_PASSWORD (generated and printed once when unset).\n"
    "\n"
    "`legacy import` creates one organization on the legacy access model from an export\n"
    "file, all or nothing, and prints {\"organizationId\": ...}; when the file is rejected\n"
    "it prints one line per problem, naming its path in the file, and writes nothing.\n";

// Parses "--key value" and "--key=value" pairs; positional words are kept.
bool ParseFlags(int argc, char** argv, int start, std::map<std::string, std::string>* flags,
                std::vector<std::string>* positional, std::string* error) {
  for (int i = start; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      std::string key = a.substr(2), value;
      size_t eq = key.find('=');
      if (eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      } else if (key == "help") {
        value = "1";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        *error = "flag --" + key + " needs a value";
        return false;
      }
      (*flags)[key] = value;
    } else {
      positional->push_back(a);
    }
  }
  return true;
}

int Fail(const std::string& msg) {
  std::cerr << "accessd: " << msg << "\n";
  return 2;
}

// Loads config with the precedence of SPEC §8.
bool BuildConfig(const std::map<std::string, std::string>& flags, accessd::Config* config,
                 std::string* error) {
  std::string file = "config.toml";
  bool required = false;
  if (auto it = flags.find("config"); it != flags.end()) {
    file = it->second;
    required = true;
  }
  accessd::Status s = accessd::LoadConfigFile(file, required, config);
  if (!s.ok()) {
    *error = s.message();
    return false;
  }
  s = accessd::ApplyEnvironment(config);
  if (!s.ok()) {
    *error = s.message();
    return false;
  }
  if (auto it = flags.find("listen"); it != flags.end()) {
    if (!accessd::ParseListen(it->second, &config->listen_host, &config->listen_port)) {
      *error = "--listen: expected HOST:PORT";
      return false;
    }
  }
  if (auto it = flags.find("db"); it != flags.end()) config->db_path = it->second;
  accessd::LogLevel level;
  if (accessd::ParseLogLevel(config->log_level, &level)) accessd::SetLogLevel(level);
  return true;
}

int Serve(const std::map<std::string, std::string>& flags) {
  for (const auto& [k, v] : flags) {
    if (k != "config" && k != "listen" && k != "db") return Fail("unknown flag --" + k);
  }
  accessd::Config config;
  std::string error;
  if (!BuildConfig(flags, &config, &error)) return Fail(error);

  // SIGTERM/SIGINT are taken by one thread with sigwait, so no handler runs
  // inside arbitrary code; that thread asks the app to drain and stop.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  accessd::App app(config);
  accessd::Status s = app.Open();
  if (!s.ok()) return Fail(s.message());

  const char* email = std::getenv("ACCESSD_ADMIN_EMAIL");
  const char* password = std::getenv("ACCESSD_ADMIN_PASSWORD");
  auto boot = app.identity().Bootstrap(email && *email ? email : "admin@localhost",
                                       password && *password ? std::optional<std::string>(password)
                                                             : std::nullopt);
  if (!boot.ok()) return Fail("first-start setup failed: " + boot.status().message());
  if (boot->created) {
    accessd::LogInfo("created organization Default (" + boot->org_id + ") with admin " +
                     std::string(email && *email ? email : "admin@localhost"));
    if (boot->generated_password) {
      // Printed once, to the terminal that started the first run; never logged again.
      std::cout << "accessd: generated admin password (shown once): "
                << *boot->generated_password << std::endl;
    }
  }

  auto port = app.Bind();
  if (!port.ok()) return Fail(port.status().message());
  accessd::LogInfo("accessd " + std::string(kVersion) + " listening on " + config.listen_host +
                   ":" + std::to_string(*port) + ", database " + config.db_path);

  std::thread signals([&app, set] {
    int sig = 0;
    sigwait(&set, &sig);
    accessd::LogInfo("signal " + std::to_string(sig) + ": draining and stopping");
    app.Stop();
  });
  app.Serve();
  app.Stop();
  // Serve returned: if no signal came (listener failure), wake the waiter.
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  accessd::LogInfo("stopped");
  return 0;
}

int OrgCreate(const std::map<std::string, std::string>& flags) {
  for (const char* k : {"name", "admin-email", "admin-password"}) {
    if (!flags.count(k)) return Fail(std::string("org create needs --") + k);
  }
  for (const auto& [k, v] : flags) {
    if (k != "name" && k != "admin-email" && k != "admin-password" && k != "db" && k != "config") {
      return Fail("unknown flag --" + k);
    }
  }
  accessd::Config config;
  std::string error;
  if (!BuildConfig(flags, &config, &error)) return Fail(error);
  accessd::App app(config);
  accessd::Status s = app.Open();
  if (!s.ok()) return Fail(s.message());
  auto r = app.identity().CreateOrganization(flags.at("name"), flags.at("admin-email"),
                                             flags.at("admin-password"));
  if (!r.ok()) {
    std::string msg = r.status().message();
    for (const auto& d : r.status().details()) msg += "; " + d.field + " " + d.message;
    app.Stop();
    return Fail(msg);
  }
  std::cout << nlohmann::json{{"organizationId", r->org_id}, {"adminUserId", r->admin_id}}.dump()
            << std::endl;
  app.Stop();
  return 0;
}

// Reads a whole file; false with the reason when it cannot.
bool ReadWholeFile(const std::string& path, std::string* text, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "it is a directory";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::strerror(errno);
    return false;
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad() || out.bad()) {
    *error = "cannot read it";
    return false;
  }
  *text = out.str();
  return true;
}

// A rejected import: one line per problem, "accessd: PATH: MESSAGE", where a
// problem of the document as a whole (path "") names the file.
int FailImport(const std::string& file, const accessd::Status& s) {
  if (s.details().empty()) return Fail(file + ": " + s.message());
  for (const auto& d : s.details()) {
    std::cerr << "accessd: " << (d.field.empty() ? file : d.field) << ": " << d.message << "\n";
  }
  return 2;
}

int LegacyImport(const std::map<std::string, std::string>& flags, const std::string& file) {
  for (const auto& [k, v] : flags) {
    if (k != "db" && k != "config") return Fail("unknown flag --" + k);
  }
  // The file is read and parsed before the database is opened: a file that
  // is not even JSON leaves no trace.
  std::string text, error;
  if (!ReadWholeFile(file, &text, &error)) return Fail("cannot read " + file + ": " + error);
  auto doc = accessd::service::ParseLegacyExport(text);
  if (!doc.ok()) return FailImport(file, doc.status());
  accessd::Config config;
  if (!BuildConfig(flags, &config, &error)) return Fail(error);
  accessd::App app(config);
  accessd::Status s = app.Open();
  if (!s.ok()) return Fail(s.message());
  auto r = accessd::service::ImportLegacyExport(app.db(), app.clock(), *doc);
  app.Stop();
  if (!r.ok()) return FailImport(file, r.status());
  std::cout << nlohmann::json{{"organizationId", r->org_id}}.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::cout << "accessd " << kVersion << "\n";
    return 0;
  }
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
  std::string error;
  if (cmd == "serve") {
    if (!ParseFlags(argc, argv, 2, &flags, &positional, &error)) return Fail(error);
    if (flags.count("help")) {
      std::cout << kUsage;
      return 0;
    }
    if (!positional.empty()) return Fail("unexpected argument " + positional[0]);
    return Serve(flags);
  }
  if (cmd == "org") {
    if (argc < 3 || std::string(argv[2]) != "create") return Fail("usage: accessd org create ...");
    if (!ParseFlags(argc, argv, 3, &flags, &positional, &error)) return Fail(error);
    if (!positional.empty()) return Fail("unexpected argument " + positional[0]);
    return OrgCreate(flags);
  }
  if (cmd == "legacy") {
    if (argc < 3 || std::string(argv[2]) != "import") {
      return Fail("usage: accessd legacy import FILE [--db PATH]");
    }
    if (!ParseFlags(argc, argv, 3, &flags, &positional, &error)) return Fail(error);
    if (positional.size() != 1) return Fail("usage: accessd legacy import FILE [--db PATH]");
    return LegacyImport(flags, positional[0]);
  }
  return Fail("unknown command " + cmd + " (see accessd --help)");
}
