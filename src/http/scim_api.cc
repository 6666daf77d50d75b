// scim_api.cc — SCIM 2.0 at /scim/v2 (SPEC §5, RFC 7644):
//   GET  /scim/v2/ServiceProviderConfig, /ResourceTypes[/{name}], /Schemas[/{urn}]
//   GET/POST /scim/v2/Users, POST /scim/v2/Users/.search,
//   GET/PUT/PATCH/DELETE /scim/v2/Users/{id}; the same for /Groups.
//
// Every route is Gate::kScim (organization SATs only; the edge answers 401
// and 403 for other credentials); ScimService::Admit adds the organization's
// scimEnabled check. Errors use the RFC 7644 §3.12 body because Call::scim is
// set for /scim/ paths. Handlers read the query and the body, call one
// service method and shape the answer; they decide nothing about access.
// Reads name their target for the edge's audit row; changes are audited by
// the service.
#include <cctype>
#include <climits>

#include "http/server.h"
#include "scim/resources.h"
#include "scim/scim_service.h"

namespace accessd::http {

namespace {

using nlohmann::json;
using scim::ListQuery;
using scim::Projection;

constexpr char kPrefix[] = "/scim/v2";
// Deepest JSON nesting accepted in a body. SCIM bodies nest three or four
// levels; the cap keeps hostile bodies from costing stack or time.
constexpr int kMaxBodyDepth = 32;

// The absolute URL of /scim/v2 as the client reached it, for meta.location
// and the Location header (RFC 7644 §3.1). Only the caller sees it; a Host
// header that is not a plain host[:port] falls back to the relative path.
std::string BaseUrl(const Call& c) {
  const std::string host = c.req.get_header_value("Host");
  bool ok = !host.empty() && host.size() <= 255;
  for (char ch : host) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' ||
                ch == '_' || ch == ':' || ch == '[' || ch == ']');
  }
  if (!ok) return kPrefix;
  const bool https = scim::EqualsIgnoreCase(c.req.get_header_value("X-Forwarded-Proto"), "https");
  return std::string(https ? "https" : "http") + "://" + host + kPrefix;
}

bool TooDeep(const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (in_string) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      if (++depth > kMaxBodyDepth) return true;
    } else if (ch == '}' || ch == ']') {
      --depth;
    }
  }
  return false;
}

// RFC 7644 §3.1 (application/scim+json) and §8.1 (application/json is
// accepted too; identity providers send either). A body with no type is
// read as JSON.
Status ReadBody(const Call& c, json* out) {
  std::string type = scim::LowerAscii(c.req.get_header_value("Content-Type"));
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (!type.empty() && type != "application/scim+json" && type != "application/json") {
    return scim::InvalidSyntax("Content-Type must be application/scim+json or application/json");
  }
  if (TooDeep(c.req.body)) return scim::InvalidSyntax("the body is nested too deeply");
  *out = json::parse(c.req.body, nullptr, false);
  if (out->is_discarded()) return scim::InvalidSyntax("the body is not valid JSON");
  if (!out->is_object()) return scim::InvalidSyntax("the body must be a JSON object");
  return Status::Ok();
}

// A decimal integer, saturating far outside the useful range.
std::optional<int64_t> ParseInteger(const std::string& s) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  if (i == s.size()) return std::nullopt;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    if (v < LLONG_MAX / 20) v = v * 10 + (s[i] - '0');
  }
  return negative ? -v : v;
}

Status ReadIndex(const char* name, const std::string& text, int64_t* out) {
  auto v = ParseInteger(text);
  if (!v) return scim::InvalidValue(std::string(name) + " must be an integer");
  *out = *v;
  return Status::Ok();
}

// RFC 7644 §3.4.2: filter, startIndex, count; §3.9: attributes,
// excludedAttributes. Other parameters (identity providers' own flags,
// sortBy: sorting is not supported) are ignored.
Status ReadListQuery(const Call& c, ListQuery* q, Projection* p) {
  q->filter = c.Query("filter");
  if (c.HasQuery("startIndex")) {
    if (Status s = ReadIndex("startIndex", c.Query("startIndex"), &q->start_index); !s.ok()) {
      return s;
    }
  }
  if (c.HasQuery("count")) {
    int64_t n = 0;
    if (Status s = ReadIndex("count", c.Query("count"), &n); !s.ok()) return s;
    q->count = n;
  }
  *p = scim::ParseProjection(c.Query("attributes"), c.Query("excludedAttributes"));
  return Status::Ok();
}

std::string JoinNames(const json* v, Status* error, const char* name) {
  std::string out;
  if (!v || v->is_null()) return out;
  if (!v->is_array()) {
    *error = scim::InvalidValue(std::string(name) + " must be an array of attribute names");
    return out;
  }
  for (const auto& e : *v) {
    if (!e.is_string()) {
      *error = scim::InvalidValue(std::string(name) + " must be an array of attribute names");
      return out;
    }
    out += (out.empty() ? "" : ",") + e.get<std::string>();
  }
  return out;
}

// RFC 7644 §3.4.3: the same query as a SearchRequest body.
Status ReadSearchBody(const json& body, ListQuery* q, Projection* p) {
  if (const json* f = scim::FindKey(body, "filter"); f && !f->is_null()) {
    if (!f->is_string()) return scim::InvalidValue("filter must be a string");
    q->filter = f->get<std::string>();
  }
  if (const json* s = scim::FindKey(body, "startIndex"); s && !s->is_null()) {
    if (!s->is_number_integer()) return scim::InvalidValue("startIndex must be an integer");
    q->start_index = s->get<int64_t>();
  }
  if (const json* n = scim::FindKey(body, "count"); n && !n->is_null()) {
    if (!n->is_number_integer()) return scim::InvalidValue("count must be an integer");
    q->count = n->get<int64_t>();
  }
  Status error;
  std::string attributes = JoinNames(scim::FindKey(body, "attributes"), &error, "attributes");
  std::string excluded =
      JoinNames(scim::FindKey(body, "excludedAttributes"), &error, "excludedAttributes");
  if (!error.ok()) return error;
  *p = scim::ParseProjection(attributes, excluded);
  return Status::Ok();
}

// What the edge's audit row of a read (or of a failed change) names.
void Target(Call& c, const char* type, const std::string& id, const char* action) {
  c.ctx.target_type = type;
  c.ctx.target_id = id.empty() ? c.ctx.principal.org_id : id;
  c.ctx.action = action;
}

// SCIM must be enabled before anything about the request is looked at, so a
// disabled organization answers 403 whatever the body or query holds. (The
// service admits again: it never relies on its caller.)
bool Admitted(Call& c, const Deps& d) {
  Status s = d.scim->Admit(c.ctx);
  if (s.ok()) return true;
  c.Fail(s);
  return false;
}

// RFC 7644 §4: discovery endpoints answer a filter with 403, so that no
// client mistakes an unfiltered answer for a filtered one.
bool RefuseFilter(Call& c) {
  if (!c.HasQuery("filter")) return false;
  c.Fail(Status::Forbidden("discovery endpoints do not support filtering"));
  return true;
}

// The member functions of ScimService that serve one resource type.
struct Endpoints {
  const char* path;         // "Users"
  const char* target_type;  // audit target type
  const char* created;      // audit action of a create
  const char* deleted;      // audit action of a delete
  StatusOr<scim::Page> (scim::ScimService::*list)(const model::RequestContext&, const std::string&,
                                                  const ListQuery&);
  StatusOr<json> (scim::ScimService::*get)(const model::RequestContext&, const std::string&,
                                           const std::string&);
  StatusOr<json> (scim::ScimService::*create)(model::RequestContext&, const std::string&,
                                              const json&);
  StatusOr<json> (scim::ScimService::*replace)(model::RequestContext&, const std::string&,
                                               const std::string&, const json&);
  StatusOr<json> (scim::ScimService::*patch)(model::RequestContext&, const std::string&,
                                             const std::string&, const json&);
  Status (scim::ScimService::*remove)(model::RequestContext&, const std::string&);
};

void ListAndAnswer(Call& c, const Deps& d, const Endpoints& e, const ListQuery& q,
                   const Projection& p) {
  auto page = (d.scim->*e.list)(c.ctx, BaseUrl(c), q);
  if (!page.ok()) return c.Fail(page.status());
  c.Json(200, scim::ListResponse(*page, p));
}

void BindResource(Router& r, const Deps& d, const Endpoints& e) {
  const std::string collection = std::string(kPrefix) + "/" + e.path;
  const std::string one = collection + "/{id}";

  r.Add("GET", collection, Gate::kScim, [d, e](Call& c) {
    Target(c, e.target_type, "", "listed");
    if (!Admitted(c, d)) return;
    ListQuery q;
    Projection p;
    if (Status s = ReadListQuery(c, &q, &p); !s.ok()) return c.Fail(s);
    ListAndAnswer(c, d, e, q, p);
  });

  r.Add("POST", collection + "/.search", Gate::kScim, [d, e](Call& c) {
    Target(c, e.target_type, "", "listed");
    if (!Admitted(c, d)) return;
    json body;
    ListQuery q;
    Projection p;
    if (Status s = ReadBody(c, &body); !s.ok()) return c.Fail(s);
    if (Status s = ReadSearchBody(body, &q, &p); !s.ok()) return c.Fail(s);
    ListAndAnswer(c, d, e, q, p);
  });

  r.Add("GET", one, Gate::kScim, [d, e](Call& c) {
    Target(c, e.target_type, c.Param(0), "read");
    if (!Admitted(c, d)) return;
    auto res = (d.scim->*e.get)(c.ctx, BaseUrl(c), c.Param(0));
    if (!res.ok()) return c.Fail(res.status());
    Projection p = scim::ParseProjection(c.Query("attributes"), c.Query("excludedAttributes"));
    c.Json(200, scim::Project(*res, p));
  });

  r.Add("POST", collection, Gate::kScim, [d, e](Call& c) {
    Target(c, e.target_type, "", e.created);
    if (!Admitted(c, d)) return;
    json body;
    if (Status s = ReadBody(c, &body); !s.ok()) return c.Fail(s);
    auto res = (d.scim->*e.create)(c.ctx, BaseUrl(c), body);
    if (!res.ok()) return c.Fail(res.status());
    // RFC 7644 §3.3: 201 with the resource's URI in Location.
    c.res.set_header("Location", (*res)["meta"]["location"].get<std::string>());
    Projection p = scim::ParseProjection(c.Query("attributes"), c.Query("excludedAttributes"));
    c.Json(201, scim::Project(*res, p));
  });

  auto update = [d, e](bool patch) {
    return [d, e, patch](Call& c) {
      Target(c, e.target_type, c.Param(0), "updated");
      if (!Admitted(c, d)) return;
      json body;
      if (Status s = ReadBody(c, &body); !s.ok()) return c.Fail(s);
      auto fn = patch ? e.patch : e.replace;
      auto res = (d.scim->*fn)(c.ctx, BaseUrl(c), c.Param(0), body);
      if (!res.ok()) return c.Fail(res.status());
      // RFC 7644 §3.5.2: 200 with the resource (identity providers accept
      // it; it saves them a GET).
      Projection p = scim::ParseProjection(c.Query("attributes"), c.Query("excludedAttributes"));
      c.Json(200, scim::Project(*res, p));
    };
  };
  r.Add("PUT", one, Gate::kScim, update(false));
  r.Add("PATCH", one, Gate::kScim, update(true));

  r.Add("DELETE", one, Gate::kScim, [d, e](Call& c) {
    Target(c, e.target_type, c.Param(0), e.deleted);
    if (!Admitted(c, d)) return;
    if (Status s = (d.scim->*e.remove)(c.ctx, c.Param(0)); !s.ok()) return c.Fail(s);
    c.NoContent();
  });
}

}  // namespace

void BindScimApi(Router& r, const Deps& d) {
  const std::string base = kPrefix;

  r.Add("GET", base + "/ServiceProviderConfig", Gate::kScim, [d](Call& c) {
    Target(c, "organization", "", "read");
    if (!Admitted(c, d)) return;
    if (RefuseFilter(c)) return;
    c.Json(200, scim::ServiceProviderConfig(BaseUrl(c)));
  });

  r.Add("GET", base + "/ResourceTypes", Gate::kScim, [d](Call& c) {
    Target(c, "organization", "", "read");
    if (!Admitted(c, d)) return;
    if (RefuseFilter(c)) return;
    c.Json(200, scim::ResourceTypeList(BaseUrl(c)));
  });

  r.Add("GET", base + "/ResourceTypes/{name}", Gate::kScim, [d](Call& c) {
    Target(c, "organization", "", "read");
    if (!Admitted(c, d)) return;
    auto rt = scim::ResourceTypeOne(c.Param(0), BaseUrl(c));
    if (!rt) return c.Fail(Status::NotFound("no such resource type"));
    c.Json(200, *rt);
  });

  r.Add("GET", base + "/Schemas", Gate::kScim, [d](Call& c) {
    Target(c, "organization", "", "read");
    if (!Admitted(c, d)) return;
    if (RefuseFilter(c)) return;
    c.Json(200, scim::SchemaList(BaseUrl(c)));
  });

  r.Add("GET", base + "/Schemas/{urn}", Gate::kScim, [d](Call& c) {
    Target(c, "organization", "", "read");
    if (!Admitted(c, d)) return;
    auto schema = scim::SchemaOne(c.Param(0), BaseUrl(c));
    if (!schema) return c.Fail(Status::NotFound("no such schema"));
    c.Json(200, *schema);
  });

  BindResource(r, d,
               {"Users", "user", "added_to_organization", "removed_from_organization",
                &scim::ScimService::ListUsers, &scim::ScimService::GetUser,
                &scim::ScimService::CreateUser, &scim::ScimService::ReplaceUser,
                &scim::ScimService::PatchUser, &scim::ScimService::DeleteUser});
  BindResource(r, d,
               {"Groups", "group", "created", "deleted", &scim::ScimService::ListGroups,
                &scim::ScimService::GetGroup, &scim::ScimService::CreateGroup,
                &scim::ScimService::ReplaceGroup, &scim::ScimService::PatchGroup,
                &scim::ScimService::DeleteGroup});
}

}  // namespace accessd::http
