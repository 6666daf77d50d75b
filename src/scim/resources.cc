// resources.cc — SCIM User and Group renderings, body reading, projection,
// list responses and discovery documents (RFC 7643, RFC 7644).
#include "scim/resources.h"

#include <algorithm>
#include <utility>

#include "base/clock.h"
#include "service/validate.h"

namespace accessd::scim {

namespace {

using nlohmann::json;

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string TrimSpaces(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// "schemas", when present, must be an array of strings naming `urn`
// (RFC 7643 §3). Clients that omit it are tolerated.
Status CheckSchemas(const json& body, const char* urn) {
  const json* s = FindKey(body, "schemas");
  if (!s) return Status::Ok();
  if (!s->is_array()) return InvalidSyntax("schemas must be an array of schema URNs");
  for (const auto& v : *s) {
    if (v.is_string() && EqualsIgnoreCase(v.get_ref<const std::string&>(), urn)) {
      return Status::Ok();
    }
  }
  return InvalidSyntax(std::string("schemas must include ") + urn);
}

Status CheckAttribute(const std::optional<std::string>& v, const char* attr) {
  if (!v) return Status::Ok();
  if (v->size() > kMaxAttributeLength) {
    return InvalidValue(std::string(attr) + " must be at most " +
                        std::to_string(kMaxAttributeLength) + " bytes");
  }
  if (HasControl(*v))
    return InvalidValue(std::string(attr) + " must not contain control characters");
  return Status::Ok();
}

json Meta(const char* type, int64_t created, int64_t modified, const std::string& location) {
  json m = json::object();
  m["resourceType"] = type;
  m["created"] = FormatRfc3339(created);
  m["lastModified"] = FormatRfc3339(modified);
  m["location"] = location;
  return m;
}

// Keeps (`keep`) or drops the listed sub-attributes of a complex value, or
// of every element of a multi-valued one.
json ProjectSub(const json& v, const std::vector<std::string>& subs, bool keep) {
  auto one = [&](const json& obj) {
    if (!obj.is_object()) return obj;
    json out = json::object();
    for (const auto& [k, sv] : obj.items()) {
      bool listed = std::find(subs.begin(), subs.end(), LowerAscii(k)) != subs.end();
      if (listed == keep) out[k] = sv;
    }
    return out;
  };
  if (v.is_array()) {
    json out = json::array();
    for (const auto& e : v) out.push_back(one(e));
    return out;
  }
  return one(v);
}

std::vector<std::string> SplitNames(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find(',', pos);
    if (end == std::string::npos) end = s.size();
    std::string name = LowerAscii(TrimSpaces(std::string_view(s).substr(pos, end - pos)));
    // "urn:...:User:name.givenName" → "name.givenName": the URN of the
    // resource's own schema adds nothing here.
    if (name.rfind("urn:", 0) == 0) {
      size_t colon = name.rfind(':');
      name = name.substr(colon + 1);
    }
    if (!name.empty()) out.push_back(std::move(name));
    pos = end + 1;
  }
  return out;
}

// --- Discovery helpers (RFC 7643 §7) ---

json Attr(const char* name, const char* type, bool multi, bool required, bool case_exact,
          const char* mutability, const char* uniqueness, const char* description,
          json sub = nullptr) {
  json a = json::object();
  a["name"] = name;
  a["type"] = type;
  a["multiValued"] = multi;
  a["description"] = description;
  a["required"] = required;
  a["caseExact"] = case_exact;
  a["mutability"] = mutability;
  a["returned"] = "default";
  a["uniqueness"] = uniqueness;
  if (sub.is_array()) a["subAttributes"] = std::move(sub);
  return a;
}

json UserSchema(const std::string& base) {
  json name_sub = json::array();
  name_sub.push_back(Attr("givenName", "string", false, false, false, "readWrite", "none",
                          "The given (first) name."));
  name_sub.push_back(Attr("familyName", "string", false, false, false, "readWrite", "none",
                          "The family (last) name."));
  name_sub.push_back(Attr("formatted", "string", false, false, false, "readOnly", "none",
                          "givenName and familyName joined by a space."));
  json email_sub = json::array();
  email_sub.push_back(Attr("value", "string", false, true, false, "immutable", "none",
                           "The user's email: always the userName."));
  email_sub.push_back(
      Attr("type", "string", false, false, false, "readOnly", "none", "Always \"work\"."));
  email_sub.push_back(
      Attr("primary", "boolean", false, false, false, "readOnly", "none", "Always true."));
  json attrs = json::array();
  attrs.push_back(Attr("userName", "string", false, true, false, "immutable", "server",
                       "The user's email address; unique among live users, compared "
                       "case-insensitively. It cannot change."));
  attrs.push_back(Attr("name", "complex", false, false, false, "readWrite", "none",
                       "The user's name.", std::move(name_sub)));
  attrs.push_back(Attr("displayName", "string", false, false, false, "readWrite", "none",
                       "The name shown in the dashboard and audit log."));
  attrs.push_back(Attr("active", "boolean", false, false, false, "readWrite", "none",
                       "false deactivates the user: no dashboard access, personal access "
                       "tokens stop working; true restores them."));
  attrs.push_back(Attr("emails", "complex", true, false, false, "readWrite", "none",
                       "Exactly one email, equal to userName.", std::move(email_sub)));
  json s = json::object();
  s["schemas"] = json::array({"urn:ietf:params:scim:schemas:core:2.0:Schema"});
  s["id"] = kUserSchema;
  s["name"] = "User";
  s["description"] = "An accessd user of the organization";
  s["attributes"] = std::move(attrs);
  s["meta"] = {{"resourceType", "Schema"}, {"location", base + "/Schemas/" + kUserSchema}};
  return s;
}

json GroupSchema(const std::string& base) {
  json member_sub = json::array();
  member_sub.push_back(Attr("value", "string", false, true, true, "immutable", "none",
                            "The id of a user of the organization."));
  member_sub.push_back(Attr("display", "string", false, false, false, "readOnly", "none",
                            "The member's displayName."));
  json ref = Attr("$ref", "reference", false, false, true, "readOnly", "none",
                  "The URI of the member's User resource.");
  ref["referenceTypes"] = json::array({"User"});
  member_sub.push_back(std::move(ref));
  member_sub.push_back(
      Attr("type", "string", false, false, false, "readOnly", "none", "Always \"User\"."));
  json attrs = json::array();
  attrs.push_back(Attr("displayName", "string", false, true, false, "readWrite", "server",
                       "The group's name; unique in the organization, compared "
                       "case-insensitively."));
  attrs.push_back(Attr("members", "complex", true, false, false, "readWrite", "none",
                       "The users in the group. Groups hold users only.", std::move(member_sub)));
  json s = json::object();
  s["schemas"] = json::array({"urn:ietf:params:scim:schemas:core:2.0:Schema"});
  s["id"] = kGroupSchema;
  s["name"] = "Group";
  s["description"] = "An accessd group: its workspaces and policies are set in the dashboard";
  s["attributes"] = std::move(attrs);
  s["meta"] = {{"resourceType", "Schema"}, {"location", base + "/Schemas/" + kGroupSchema}};
  return s;
}

json ResourceType(const char* name, const char* endpoint, const char* schema,
                  const char* description, const std::string& base) {
  json r = json::object();
  r["schemas"] = json::array({"urn:ietf:params:scim:schemas:core:2.0:ResourceType"});
  r["id"] = name;
  r["name"] = name;
  r["endpoint"] = endpoint;
  r["description"] = description;
  r["schema"] = schema;
  r["meta"] = {{"resourceType", "ResourceType"}, {"location", base + "/ResourceTypes/" + name}};
  return r;
}

json FixedList(std::vector<json> items) {
  Page p;
  p.total = static_cast<int64_t>(items.size());
  p.resources = std::move(items);
  return ListResponse(p, Projection{});
}

}  // namespace

Status InvalidValue(std::string m) {
  return Status::Invalid(std::move(m)).WithSubcode("invalidValue");
}
Status InvalidSyntax(std::string m) {
  return Status::Invalid(std::move(m)).WithSubcode("invalidSyntax");
}
Status InvalidPath(std::string m) {
  return Status::Invalid(std::move(m)).WithSubcode("invalidPath");
}
Status NoTarget(std::string m) { return Status::Invalid(std::move(m)).WithSubcode("noTarget"); }
Status Mutability(std::string m) { return Status::Invalid(std::move(m)).WithSubcode("mutability"); }
Status InvalidFilter(std::string m) {
  return Status::Invalid(std::move(m)).WithSubcode("invalidFilter");
}
Status Uniqueness(std::string m) {
  return Status::Conflict(std::move(m)).WithSubcode("uniqueness");
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

const nlohmann::json* FindKey(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto exact = obj.find(std::string(key));
  if (exact != obj.end()) return &*exact;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (EqualsIgnoreCase(it.key(), key)) return &*it;
  }
  return nullptr;
}

std::optional<bool> ReadBoolean(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    // Some identity providers send "True"/"False" unless configured for
    // strict compliance; accepting both spellings is what a SCIM server
    // that works with them must do.
    const std::string& s = v.get_ref<const std::string&>();
    if (EqualsIgnoreCase(s, "true")) return true;
    if (EqualsIgnoreCase(s, "false")) return false;
  }
  return std::nullopt;
}

Status ReadOptString(const nlohmann::json* v, const char* attr, std::optional<std::string>* out) {
  if (!v || v->is_null()) {
    *out = std::nullopt;
    return Status::Ok();
  }
  if (!v->is_string()) return InvalidValue(std::string(attr) + " must be a string");
  const std::string& s = v->get_ref<const std::string&>();
  if (s.empty()) {
    *out = std::nullopt;
  } else {
    *out = s;
  }
  return Status::Ok();
}

UserDraft DraftOf(const model::User& u) {
  UserDraft d;
  d.user_name = u.email;
  d.given_name = u.given_name;
  d.family_name = u.family_name;
  if (!u.display_name.empty()) d.display_name = u.display_name;
  d.external_id = u.external_id;
  d.active = u.status == model::UserStatus::kActive;
  return d;
}

GroupDraft DraftOf(const model::Group& g) {
  GroupDraft d;
  d.display_name = g.name;
  d.external_id = g.external_id;
  d.member_ids = g.member_ids;
  return d;
}

StatusOr<std::optional<std::string>> ChosenEmail(const nlohmann::json& emails) {
  json list = emails.is_object() ? json::array({emails}) : emails;
  if (!list.is_array()) return InvalidValue("emails must be an array of {\"value\": ...} objects");
  const json* primary = nullptr;
  const json* work = nullptr;
  const json* first = nullptr;
  for (const auto& e : list) {
    if (!e.is_object()) return InvalidValue("emails must be an array of {\"value\": ...} objects");
    const json* value = FindKey(e, "value");
    if (!value || !value->is_string()) return InvalidValue("emails[].value must be a string");
    if (const json* p = FindKey(e, "primary"); p && !p->is_null()) {
      auto b = ReadBoolean(*p);
      if (!b) return InvalidValue("emails[].primary must be a boolean");
      if (*b && !primary) primary = value;
    }
    if (const json* t = FindKey(e, "type"); t && !t->is_null()) {
      if (!t->is_string()) return InvalidValue("emails[].type must be a string");
      if (EqualsIgnoreCase(t->get_ref<const std::string&>(), "work") && !work) work = value;
    }
    if (!first) first = value;
  }
  const json* chosen = primary ? primary : work ? work : first;
  if (!chosen) return std::optional<std::string>();
  return std::optional<std::string>(chosen->get<std::string>());
}

Status CheckSameEmail(const std::string& email, const UserDraft& d, bool creating) {
  if (EqualsIgnoreCase(email, d.user_name)) return Status::Ok();
  // A user has one email, the userName (SPEC §5), so another address can
  // neither be stored beside it nor replace it.
  if (creating) return InvalidValue("the primary email must be the userName");
  return Mutability("the email is the userName and cannot change");
}

Status ReadUserBody(const nlohmann::json& body, bool replace, UserDraft* d) {
  if (!body.is_object()) return InvalidSyntax("the body must be a JSON object");
  if (Status s = CheckSchemas(body, kUserSchema); !s.ok()) return s;
  const json* un = FindKey(body, "userName");
  if (!un || !un->is_string()) return InvalidValue("userName is required and must be a string");
  const std::string& user_name = un->get_ref<const std::string&>();
  if (replace) {
    // RFC 7644 §3.5.1: an immutable attribute may be sent back unchanged.
    if (!EqualsIgnoreCase(user_name, d->user_name)) {
      return Mutability("userName is the email and cannot change");
    }
  } else {
    d->user_name = user_name;
  }
  std::optional<std::string> given, family, display, external;
  if (const json* n = FindKey(body, "name"); n && !n->is_null()) {
    if (!n->is_object()) return InvalidValue("name must be an object");
    if (Status s = ReadOptString(FindKey(*n, "givenName"), "name.givenName", &given); !s.ok()) {
      return s;
    }
    if (Status s = ReadOptString(FindKey(*n, "familyName"), "name.familyName", &family); !s.ok()) {
      return s;
    }
  }
  if (Status s = ReadOptString(FindKey(body, "displayName"), "displayName", &display); !s.ok()) {
    return s;
  }
  if (Status s = ReadOptString(FindKey(body, "externalId"), "externalId", &external); !s.ok()) {
    return s;
  }
  if (const json* a = FindKey(body, "active"); a && !a->is_null()) {
    auto b = ReadBoolean(*a);
    if (!b) return InvalidValue("active must be a boolean");
    d->active = *b;
  } else if (!replace) {
    d->active = true;
  }
  if (const json* e = FindKey(body, "emails"); e && !e->is_null()) {
    auto chosen = ChosenEmail(*e);
    if (!chosen.ok()) return chosen.status();
    if (*chosen) {
      if (Status s = CheckSameEmail(**chosen, *d, !replace); !s.ok()) return s;
    }
  }
  d->given_name = given;
  d->family_name = family;
  d->display_name = display;
  d->external_id = external;
  return Status::Ok();
}

Status ReadGroupBody(const nlohmann::json& body, GroupDraft* d) {
  if (!body.is_object()) return InvalidSyntax("the body must be a JSON object");
  if (Status s = CheckSchemas(body, kGroupSchema); !s.ok()) return s;
  const json* dn = FindKey(body, "displayName");
  if (!dn || !dn->is_string()) {
    return InvalidValue("displayName is required and must be a string");
  }
  d->display_name = dn->get<std::string>();
  if (Status s = ReadOptString(FindKey(body, "externalId"), "externalId", &d->external_id);
      !s.ok()) {
    return s;
  }
  d->member_ids.clear();
  if (const json* m = FindKey(body, "members"); m && !m->is_null()) {
    if (!m->is_array()) return InvalidValue("members must be an array of {\"value\": id}");
    for (const auto& e : *m) {
      const json* v = e.is_object() ? FindKey(e, "value") : nullptr;
      if (!v || !v->is_string() || v->get_ref<const std::string&>().empty()) {
        return InvalidValue("members must be an array of {\"value\": id}");
      }
      const std::string& id = v->get_ref<const std::string&>();
      if (std::find(d->member_ids.begin(), d->member_ids.end(), id) == d->member_ids.end()) {
        d->member_ids.push_back(id);
      }
    }
  }
  return Status::Ok();
}

Status ValidateUser(const UserDraft& d) {
  // The rule every other way into accessd applies (service/validate.h).
  if (service::CheckEmail(d.user_name)) return InvalidValue("userName must be an email address");
  if (Status s = CheckAttribute(d.display_name, "displayName"); !s.ok()) return s;
  if (Status s = CheckAttribute(d.given_name, "name.givenName"); !s.ok()) return s;
  if (Status s = CheckAttribute(d.family_name, "name.familyName"); !s.ok()) return s;
  return CheckAttribute(d.external_id, "externalId");
}

Status ValidateGroup(const GroupDraft& d) {
  if (TrimSpaces(d.display_name).empty()) return InvalidValue("displayName must not be blank");
  if (Status s = CheckAttribute(d.display_name, "displayName"); !s.ok()) return s;
  return CheckAttribute(d.external_id, "externalId");
}

std::string DerivedDisplayName(const UserDraft& d) {
  std::string full;
  if (d.given_name) full = *d.given_name;
  if (d.family_name) full += (full.empty() ? "" : " ") + *d.family_name;
  full = TrimSpaces(full);
  if (!full.empty()) return full;
  return d.user_name.substr(0, d.user_name.find('@'));
}

nlohmann::json RenderUser(const model::User& u, const std::string& base) {
  json r = json::object();
  r["schemas"] = json::array({kUserSchema});
  r["id"] = u.id;
  if (u.external_id) r["externalId"] = *u.external_id;
  r["userName"] = u.email;
  json name = json::object();
  if (u.given_name) name["givenName"] = *u.given_name;
  if (u.family_name) name["familyName"] = *u.family_name;
  std::string formatted = u.given_name.value_or("");
  if (u.family_name) formatted += (formatted.empty() ? "" : " ") + *u.family_name;
  if (!formatted.empty()) name["formatted"] = formatted;
  if (!name.empty()) r["name"] = std::move(name);
  r["displayName"] = u.display_name;
  r["active"] = u.status == model::UserStatus::kActive;
  json email = json::object();
  email["value"] = u.email;
  email["type"] = "work";
  email["primary"] = true;
  r["emails"] = json::array();
  r["emails"].push_back(std::move(email));
  r["meta"] = Meta("User", u.created_at, u.updated_at, base + "/Users/" + u.id);
  return r;
}

nlohmann::json RenderGroup(const model::Group& g, const std::vector<MemberRef>& members,
                           const std::string& base) {
  json r = json::object();
  r["schemas"] = json::array({kGroupSchema});
  r["id"] = g.id;
  if (g.external_id) r["externalId"] = *g.external_id;
  r["displayName"] = g.name;
  json list = json::array();
  for (const auto& m : members) {
    json e = json::object();
    e["value"] = m.id;
    e["display"] = m.display;
    e["$ref"] = base + "/Users/" + m.id;
    e["type"] = "User";
    list.push_back(std::move(e));
  }
  r["members"] = std::move(list);
  r["meta"] = Meta("Group", g.created_at, g.updated_at, base + "/Groups/" + g.id);
  return r;
}

bool IsCaseExact(std::string_view p) {
  return p == "id" || p == "externalid" || p == "members.value" || p == "members.$ref" ||
         p == "meta.location";
}

Projection ParseProjection(const std::string& attributes, const std::string& excluded) {
  return Projection{SplitNames(attributes), SplitNames(excluded)};
}

nlohmann::json Project(const nlohmann::json& resource, const Projection& p) {
  if ((p.attributes.empty() && p.excluded.empty()) || !resource.is_object()) return resource;
  const bool keep_mode = !p.attributes.empty();  // RFC 7644 §3.9: attributes wins
  const auto& names = keep_mode ? p.attributes : p.excluded;
  json out = json::object();
  for (const auto& [k, v] : resource.items()) {
    const std::string lk = LowerAscii(k);
    if (lk == "schemas" || lk == "id") {
      out[k] = v;
      continue;
    }
    bool whole = false;
    std::vector<std::string> subs;
    for (const auto& n : names) {
      if (n == lk) {
        whole = true;
      } else if (n.size() > lk.size() + 1 && n.compare(0, lk.size(), lk) == 0 &&
                 n[lk.size()] == '.') {
        subs.push_back(n.substr(lk.size() + 1));
      }
    }
    if (keep_mode) {
      if (whole) {
        out[k] = v;
      } else if (!subs.empty()) {
        out[k] = ProjectSub(v, subs, true);
      }
    } else if (!whole) {
      out[k] = subs.empty() ? v : ProjectSub(v, subs, false);
    }
  }
  return out;
}

nlohmann::json ListResponse(const Page& page, const Projection& p) {
  json out = json::object();
  out["schemas"] = json::array({kListResponseSchema});
  out["totalResults"] = page.total;
  out["startIndex"] = page.start_index;
  out["itemsPerPage"] = static_cast<int64_t>(page.resources.size());
  // RFC 7644 §3.4.2.4: count=0 asks for totalResults alone. Otherwise an
  // empty page still carries "Resources": [] (what identity providers expect).
  if (!page.count_zero) {
    json list = json::array();
    for (const auto& r : page.resources) list.push_back(Project(r, p));
    out["Resources"] = std::move(list);
  }
  return out;
}

Page Paginate(std::vector<nlohmann::json> all, int64_t start_index, std::optional<int64_t> count) {
  Page page;
  page.total = static_cast<int64_t>(all.size());
  page.start_index = std::max<int64_t>(1, start_index);
  const int64_t n = count ? std::clamp<int64_t>(*count, 0, kMaxResults) : kMaxResults;
  page.count_zero = count && *count <= 0;
  const int64_t first = page.start_index - 1;
  for (int64_t i = first; i < page.total && i - first < n; ++i) {
    page.resources.push_back(std::move(all[static_cast<size_t>(i)]));
  }
  return page;
}

nlohmann::json ServiceProviderConfig(const std::string& base) {
  // RFC 7643 §5, answered truthfully: clients decide what to send from it.
  json c = json::object();
  c["schemas"] = json::array({"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"});
  c["patch"] = {{"supported", true}};
  c["bulk"] = {{"supported", false}, {"maxOperations", 0}, {"maxPayloadSize", 0}};
  c["filter"] = {{"supported", true}, {"maxResults", kMaxResults}};
  c["changePassword"] = {{"supported", false}};
  c["sort"] = {{"supported", false}};
  c["etag"] = {{"supported", false}};
  json scheme = json::object();
  scheme["type"] = "oauthbearertoken";
  scheme["name"] = "OAuth Bearer Token";
  scheme["description"] =
      "An organization service access token (acd_sato_...) sent as "
      "\"Authorization: Bearer <token>\"";
  scheme["specUri"] = "https://www.rfc-editor.org/info/rfc6750";
  scheme["primary"] = true;
  c["authenticationSchemes"] = json::array();
  c["authenticationSchemes"].push_back(std::move(scheme));
  c["meta"] = {{"resourceType", "ServiceProviderConfig"},
               {"location", base + "/ServiceProviderConfig"}};
  return c;
}

nlohmann::json ResourceTypeList(const std::string& base) {
  return FixedList({*ResourceTypeOne("User", base), *ResourceTypeOne("Group", base)});
}

std::optional<nlohmann::json> ResourceTypeOne(const std::string& name, const std::string& base) {
  if (name == "User") return ResourceType("User", "/Users", kUserSchema, "Users", base);
  if (name == "Group") return ResourceType("Group", "/Groups", kGroupSchema, "Groups", base);
  return std::nullopt;
}

nlohmann::json SchemaList(const std::string& base) {
  return FixedList({UserSchema(base), GroupSchema(base)});
}

std::optional<nlohmann::json> SchemaOne(const std::string& urn, const std::string& base) {
  if (EqualsIgnoreCase(urn, kUserSchema)) return UserSchema(base);
  if (EqualsIgnoreCase(urn, kGroupSchema)) return GroupSchema(base);
  return std::nullopt;
}

}  // namespace accessd::scim
