// resource_api.cc — the public API's resources (SPEC §6): sources,
// destinations, transformations, libraries, tracking plans, connections.
//   GET/POST          /v2/sources, /v2/destinations, /transformations,
//                     /libraries, /v2/catalog/tracking-plans
//   GET/PATCH/PUT/DELETE  <those>/{id}
//   GET/POST /v2/connections, GET/DELETE /v2/connections/{id}
// Every route is Gate::kWorkspaceApi: workspace SATs and PATs act in their
// own workspace, sessions name one with ?workspace_id=.
//
// Handlers only read the request (query syntax here; the body's syntax is
// captured and judged by the service after authorization, so a denied
// caller gets 403 whatever it sent), call one service method and render.
// Authorization, validation and audit live in service/resource_service.
#include "base/clock.h"
#include "http/json_body.h"
#include "http/render.h"
#include "http/server.h"
#include "service/resource_service.h"

namespace accessd::http {

namespace {

using auth::ResourceType;
using nlohmann::json;

// The wire names of one resource type.
struct Kind {
  ResourceType type;
  const char* path;      // collection path
  const char* plural;    // list wrapper
  const char* singular;  // object wrapper
};

constexpr Kind kKinds[] = {
    {ResourceType::kSources, "/v2/sources", "sources", "source"},
    {ResourceType::kDestinations, "/v2/destinations", "destinations", "destination"},
    {ResourceType::kTransformations, "/transformations", "transformations", "transformation"},
    {ResourceType::kLibraries, "/libraries", "libraries", "library"},
    {ResourceType::kTrackingPlans, "/v2/catalog/tracking-plans", "trackingPlans", "trackingPlan"},
};

constexpr int kMaxPerPage = 1000;
constexpr int kDefaultPerPage = 100;

// Fields the API writes and clients may send back unchanged (existing
// clients PUT what they GET): accepted and ignored (SPEC §6).
constexpr const char* kReadOnlyFields[] = {"id", "writeKey", "createdAt", "updatedAt",
                                           "workspaceId"};

std::optional<std::string> WorkspaceParam(const Call& c) {
  if (!c.HasQuery("workspace_id")) return std::nullopt;
  return c.Query("workspace_id");
}

// A positive decimal integer of at most 9 digits, or nullopt.
std::optional<int64_t> ParsePositive(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  if (v < 1) return std::nullopt;
  return v;
}

// per_page (1..1000, default 100) and page (1-based, default 1).
StatusOr<service::PageRequest> ReadPaging(const Call& c) {
  service::PageRequest p;
  p.per_page = kDefaultPerPage;
  std::vector<FieldError> errors;
  if (c.HasQuery("per_page")) {
    auto v = ParsePositive(c.Query("per_page"));
    if (!v || *v > kMaxPerPage) {
      errors.push_back({"per_page", "must be an integer from 1 to 1000"});
    } else {
      p.per_page = static_cast<int>(*v);
    }
  }
  if (c.HasQuery("page")) {
    auto v = ParsePositive(c.Query("page"));
    if (!v) {
      errors.push_back({"page", "must be a positive integer"});
    } else {
      p.page = *v;
    }
  }
  if (!errors.empty()) return Status::Invalid("invalid paging", std::move(errors));
  return p;
}

// {"total": n} plus "next" (the path and query of the next page) when more
// remain. A session's workspace_id is carried over so the link works as is.
json Paging(const Call& c, const std::string& path, const service::PageRequest& p, int64_t total,
            bool more) {
  json paging = {{"total", total}};
  if (more) {
    std::string next =
        path + "?per_page=" + std::to_string(p.per_page) + "&page=" + std::to_string(p.page + 1);
    if (!c.ctx.principal.IsToken() && c.ctx.workspace_id) {
      next += "&workspace_id=" + *c.ctx.workspace_id;
    }
    paging["next"] = next;
  }
  return paging;
}

// Names a list request's audit target before the query is judged, so that a
// token's refused list (bad per_page) is still recorded as a list of its
// workspace. The service names it again once the workspace is resolved.
void NameList(Call& c, const char* target_type) {
  c.ctx.target_type = target_type;
  c.ctx.action = "listed";
  if (c.ctx.principal.IsToken() && !c.ctx.principal.token_workspace_id.empty()) {
    c.ctx.target_id = c.ctx.principal.token_workspace_id;
    c.ctx.workspace_id = c.ctx.principal.token_workspace_id;
  }
}

// ---- resource rendering ----
//
// Resources are written as text rather than built as nlohmann::json values:
// GET /v2/sources is the public API's hottest read, and building a JSON tree
// per row cost more than the query. The stored config is already canonical
// JSON text (written by json::dump in the service), so it is copied as is.

// Appends `s` as a JSON string (RFC 8259 §7). Invalid UTF-8 becomes U+FFFD,
// so the answer is always valid JSON whatever a row holds.
void AppendQuoted(std::string* out, const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // Most text is printable ASCII that needs no escape: copy such a run at
    // once rather than byte by byte.
    size_t run = i;
    while (run < n) {
      const auto b = static_cast<unsigned char>(s[run]);
      if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\') break;
      ++run;
    }
    if (run > i) {
      out->append(s, i, run - i);
      i = run;
      if (i == n) break;
    }
    const auto ch = static_cast<unsigned char>(s[i]);
    if (ch < 0x80) {
      switch (ch) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:  // other control characters and DEL
          out->append("\\u00");
          out->push_back(kHex[ch >> 4]);
          out->push_back(kHex[ch & 0xf]);
      }
      ++i;
      continue;
    }
    // RFC 3629 §4: the well-formed multi-byte sequences.
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (ch >= 0xc2 && ch <= 0xdf) {
      len = 2;
    } else if (ch >= 0xe0 && ch <= 0xef) {
      len = 3;
      if (ch == 0xe0) lo = 0xa0;
      if (ch == 0xed) hi = 0x9f;
    } else if (ch >= 0xf0 && ch <= 0xf4) {
      len = 4;
      if (ch == 0xf0) lo = 0x90;
      if (ch == 0xf4) hi = 0x8f;
    }
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      ok = k == 1 ? (cont >= lo && cont <= hi) : (cont >= 0x80 && cont <= 0xbf);
    }
    if (ok) {
      out->append(s, i, len);
      i += len;
    } else {
      out->append("\xef\xbf\xbd");
      ++i;
    }
  }
  out->push_back('"');
}

void AppendKey(std::string* out, const char* key) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void AppendBool(std::string* out, const char* key, bool v) {
  out->push_back(',');
  AppendKey(out, key);
  out->append(v ? "true" : "false");
}

void AppendString(std::string* out, const char* key, const std::string& v) {
  out->push_back(',');
  AppendKey(out, key);
  AppendQuoted(out, v);
}

bool ExtraFlag(const json& extra, const char* key) {
  auto it = extra.find(key);
  return it != extra.end() && it->is_boolean() && it->get<bool>();
}

// A source's optional flags from its stored `extra` object. The service
// writes that object with json::dump, so it is one of five texts; those are
// recognised without a parse (a list of sources renders this per row), any
// other text is parsed.
struct SourceFlags {
  bool geo = false;
  bool transient = false;
};

SourceFlags ReadSourceFlags(const std::string& extra_json) {
  static const struct {
    const char* text;
    SourceFlags flags;
  } kCanonical[] = {
      {R"({"geoEnrichmentEnabled":false,"transient":false})", {false, false}},
      {R"({"geoEnrichmentEnabled":false,"transient":true})", {false, true}},
      {R"({"geoEnrichmentEnabled":true,"transient":false})", {true, false}},
      {R"({"geoEnrichmentEnabled":true,"transient":true})", {true, true}},
      {"{}", {false, false}},
  };
  for (const auto& c : kCanonical) {
    if (extra_json == c.text) return c.flags;
  }
  const json extra = json::parse(extra_json, nullptr, false);
  return {ExtraFlag(extra, "geoEnrichmentEnabled"), ExtraFlag(extra, "transient")};
}

// One resource object: id, name, enabled, config, workspaceId, createdAt,
// updatedAt; sources and destinations add type; sources add writeKey,
// geoEnrichmentEnabled and transient (SPEC §6).
void AppendResource(std::string* out, const model::Resource& r) {
  out->append("{");
  AppendKey(out, "id");
  AppendQuoted(out, r.id);
  AppendString(out, "name", r.name);
  AppendBool(out, "enabled", r.enabled);
  out->append(",");
  AppendKey(out, "config");
  const std::string& config = r.config_json;
  if (config.size() >= 2 && config.front() == '{' && config.back() == '}') {
    out->append(config);
  } else {
    out->append("{}");
  }
  AppendString(out, "workspaceId", r.workspace_id);
  AppendString(out, "createdAt", FormatRfc3339(r.created_at));
  AppendString(out, "updatedAt", FormatRfc3339(r.updated_at));
  if (r.type == ResourceType::kSources || r.type == ResourceType::kDestinations) {
    AppendString(out, "type", r.subtype.value_or(""));
  }
  if (r.type == ResourceType::kSources) {
    const SourceFlags flags = ReadSourceFlags(r.extra_json);
    AppendString(out, "writeKey", r.write_key.value_or(""));
    AppendBool(out, "geoEnrichmentEnabled", flags.geo);
    AppendBool(out, "transient", flags.transient);
  }
  out->push_back('}');
}

// Answers `body`, already JSON text.
void SendJsonText(Call& c, int code, const std::string& body) {
  c.status = code;
  c.res.status = code;
  c.res.set_content(body, "application/json");
}

void SendResource(Call& c, int code, const char* wrapper, const model::Resource& r) {
  std::string body = "{";
  AppendKey(&body, wrapper);
  AppendResource(&body, r);
  body.push_back('}');
  SendJsonText(c, code, body);
}

json RenderConnection(const model::Connection& conn) {
  return {{"id", conn.id},
          {model::ConnectionEndField(conn.from_type), conn.from_id},
          {model::ConnectionEndField(conn.to_type), conn.to_id},
          {"enabled", conn.enabled},
          {"workspaceId", conn.workspace_id},
          {"createdAt", RenderTime(conn.created_at)},
          {"updatedAt", RenderTime(conn.updated_at)}};
}

// Reads a resource body. Errors are kept in `parsed`, not answered here.
service::ResourceInput ReadResourceBody(const Call& c, ResourceType type) {
  JsonBody body(c.req.body);
  service::ResourceInput in;
  in.name = body.Str("name");
  in.enabled = body.Bool("enabled");
  in.config = body.Object("config");
  if (type == ResourceType::kSources || type == ResourceType::kDestinations) {
    in.subtype = body.Str("type");
  }
  if (type == ResourceType::kSources) {
    in.geo_enrichment_enabled = body.Bool("geoEnrichmentEnabled");
    in.transient = body.Bool("transient");
  }
  for (const char* f : kReadOnlyFields) body.Ignore(f);
  in.parsed = body.Check();
  return in;
}

service::ConnectionInput ReadConnectionBody(const Call& c) {
  JsonBody body(c.req.body);
  service::ConnectionInput in;
  in.source_id = body.Str("sourceId");
  in.transformation_id = body.Str("transformationId");
  in.destination_id = body.Str("destinationId");
  in.tracking_plan_id = body.Str("trackingPlanId");
  in.enabled = body.Bool("enabled");
  for (const char* f : {"id", "createdAt", "updatedAt", "workspaceId"}) body.Ignore(f);
  in.parsed = body.Check();
  return in;
}

void BindKind(Router& r, const Deps& d, const Kind& k) {
  const std::string base = k.path;
  const std::string item = base + "/{id}";

  r.Add("GET", base, Gate::kWorkspaceApi, [d, k](Call& c) {
    NameList(c, service::AuditTargetOf(k.type));
    auto paging = ReadPaging(c);
    if (!paging.ok()) return c.Fail(paging.status());
    auto page = d.resources->List(c.ctx, WorkspaceParam(c), k.type, *paging);
    if (!page.ok()) return c.Fail(page.status());
    const service::ListedPage& list = **page;
    const std::string& items = list.ItemsText([](const service::ListedPage& l) {
      std::string text;
      text.reserve(2 + l.items.size() * 320);
      text.push_back('[');
      for (size_t i = 0; i < l.items.size(); ++i) {
        if (i > 0) text.push_back(',');
        AppendResource(&text, l.items[i]);
      }
      text.push_back(']');
      return text;
    });
    std::string body;
    body.reserve(items.size() + 128);
    body.append("{");
    AppendKey(&body, k.plural);
    body.append(items);
    body.append(",");
    AppendKey(&body, "paging");
    body.append(Paging(c, k.path, *paging, list.total, list.more).dump());
    body.push_back('}');
    SendJsonText(c, 200, body);
  });

  r.Add("POST", base, Gate::kWorkspaceApi, [d, k](Call& c) {
    auto res = d.resources->Create(c.ctx, WorkspaceParam(c), k.type, ReadResourceBody(c, k.type));
    if (!res.ok()) return c.Fail(res.status());
    SendResource(c, 201, k.singular, *res);
  });

  r.Add("GET", item, Gate::kWorkspaceApi, [d, k](Call& c) {
    auto res = d.resources->Get(c.ctx, WorkspaceParam(c), k.type, c.Param(0));
    if (!res.ok()) return c.Fail(res.status());
    SendResource(c, 200, k.singular, *res);
  });

  for (const char* method : {"PATCH", "PUT"}) {
    const auto mode =
        std::string(method) == "PUT" ? service::UpdateMode::kReplace : service::UpdateMode::kPatch;
    r.Add(method, item, Gate::kWorkspaceApi, [d, k, mode](Call& c) {
      auto res = d.resources->Update(c.ctx, WorkspaceParam(c), k.type, c.Param(0),
                                     ReadResourceBody(c, k.type), mode);
      if (!res.ok()) return c.Fail(res.status());
      SendResource(c, 200, k.singular, *res);
    });
  }

  r.Add("DELETE", item, Gate::kWorkspaceApi, [d, k](Call& c) {
    Status s = d.resources->Delete(c.ctx, WorkspaceParam(c), k.type, c.Param(0));
    if (!s.ok()) return c.Fail(s);
    c.NoContent();
  });
}

}  // namespace

void BindResourceApi(Router& r, const Deps& d) {
  for (const Kind& k : kKinds) BindKind(r, d, k);

  r.Add("GET", "/v2/connections", Gate::kWorkspaceApi, [d](Call& c) {
    NameList(c, "connection");
    auto paging = ReadPaging(c);
    if (!paging.ok()) return c.Fail(paging.status());
    auto page = d.resources->ListConnections(c.ctx, WorkspaceParam(c), *paging);
    if (!page.ok()) return c.Fail(page.status());
    json list = json::array();
    for (const auto& conn : page->items) list.push_back(RenderConnection(conn));
    c.Json(200, {{"connections", std::move(list)},
                 {"paging", Paging(c, "/v2/connections", *paging, page->total, page->more)}});
  });

  r.Add("POST", "/v2/connections", Gate::kWorkspaceApi, [d](Call& c) {
    auto conn = d.resources->Connect(c.ctx, WorkspaceParam(c), ReadConnectionBody(c));
    if (!conn.ok()) return c.Fail(conn.status());
    c.Json(201, {{"connection", RenderConnection(*conn)}});
  });

  r.Add("GET", "/v2/connections/{id}", Gate::kWorkspaceApi, [d](Call& c) {
    auto conn = d.resources->GetConnection(c.ctx, WorkspaceParam(c), c.Param(0));
    if (!conn.ok()) return c.Fail(conn.status());
    c.Json(200, {{"connection", RenderConnection(*conn)}});
  });

  r.Add("DELETE", "/v2/connections/{id}", Gate::kWorkspaceApi, [d](Call& c) {
    Status s = d.resources->Disconnect(c.ctx, WorkspaceParam(c), c.Param(0));
    if (!s.ok()) return c.Fail(s);
    c.NoContent();
  });
}

}  // namespace accessd::http
