// patch.cc — PatchOp parsing, PATCH paths and their application to drafts.
#include "scim/patch.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "scim/filter.h"

namespace accessd::scim {

namespace {

using nlohmann::json;

enum class Op { kAdd, kReplace, kRemove };

struct Operation {
  Op op = Op::kAdd;
  std::optional<std::string> path;
  const json* value = nullptr;  // points into the request body
};

// A parsed PATH (RFC 7644 §3.5.2, Figure 1): attrPath or valuePath with an
// optional sub-attribute.
struct Path {
  bool enterprise = false;  // under the enterprise User extension URN
  std::string attr;         // lowercase; "" = the whole extension
  std::shared_ptr<const Filter> filter;
  std::string sub;   // lowercase
  std::string text;  // as written, shortened, for messages
};

// RFC 7643 §4.1 attributes that accessd does not keep: identity providers
// map them by default (title, preferredLanguage, addresses,
// phoneNumbers, ...), so changing them is accepted and does nothing.
constexpr const char* kIgnoredUserAttributes[] = {
    "nickname", "profileurl", "title",        "usertype",     "preferredlanguage",
    "locale",   "timezone",   "password",     "phonenumbers", "ims",
    "photos",   "addresses",  "entitlements", "roles",        "x509certificates"};
// RFC 7643 §4.3 enterprise extension attributes, likewise accepted.
constexpr const char* kEnterpriseAttributes[] = {"employeenumber", "costcenter", "organization",
                                                 "division",       "department", "manager"};

template <size_t N>
bool Listed(const char* const (&list)[N], const std::string& name) {
  for (const char* s : list) {
    if (name == s) return true;
  }
  return false;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsNameChar(char c) {
  return IsAlpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '$';
}

// Paths are echoed in error details: short and printable.
std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 80)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (text.size() > 80) out += "...";
  return "\"" + out + "\"";
}

// The index of the ']' closing the '[' at `open`, skipping JSON strings.
size_t FindClose(std::string_view s, size_t open) {
  bool in_string = false;
  for (size_t i = open + 1; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ']') {
      return i;
    }
  }
  return std::string_view::npos;
}

StatusOr<Path> ParsePath(std::string_view text, const char* core_urn, bool enterprise_ok) {
  Path p;
  p.text = Shown(text);
  std::string_view rest = text;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (rest.empty()) return InvalidPath("path must not be empty");
  if (StartsWithIgnoreCase(rest, "urn:")) {
    // The URN is the schema's id, which itself contains dots ("2.0"), so it
    // is stripped before the attribute path is split on '.'.
    const std::string core = std::string(core_urn) + ":";
    if (StartsWithIgnoreCase(rest, core)) {
      rest.remove_prefix(core.size());
    } else if (enterprise_ok && StartsWithIgnoreCase(rest, kEnterpriseUserSchema)) {
      rest.remove_prefix(std::strlen(kEnterpriseUserSchema));
      p.enterprise = true;
      if (rest.empty()) return p;
      if (rest.front() != ':') return InvalidPath("cannot read the path " + p.text);
      rest.remove_prefix(1);
    } else {
      return InvalidPath("the path " + p.text + " names a schema accessd does not support");
    }
  }
  size_t i = 0;
  if (rest.empty() || !IsAlpha(rest[0])) return InvalidPath("cannot read the path " + p.text);
  while (i < rest.size() && IsNameChar(rest[i])) ++i;
  p.attr = LowerAscii(rest.substr(0, i));
  if (i < rest.size() && rest[i] == '[') {
    size_t close = FindClose(rest, i);
    if (close == std::string_view::npos) return InvalidPath("unclosed '[' in the path " + p.text);
    ParseResult parsed = ParseFilter(rest.substr(i + 1, close - i - 1));
    if (!parsed.ok())
      return InvalidPath("invalid filter in the path " + p.text + ": " + parsed.error);
    p.filter = parsed.filter;
    i = close + 1;
  }
  if (i < rest.size() && rest[i] == '.') {
    size_t j = ++i;
    if (j >= rest.size() || !IsAlpha(rest[j])) return InvalidPath("cannot read the path " + p.text);
    while (j < rest.size() && IsNameChar(rest[j])) ++j;
    p.sub = LowerAscii(rest.substr(i, j - i));
    i = j;
  }
  if (i != rest.size()) return InvalidPath("cannot read the path " + p.text);
  return p;
}

StatusOr<std::vector<Operation>> ReadOperations(const json& body) {
  if (!body.is_object()) return InvalidSyntax("the body must be a PatchOp JSON object");
  if (const json* s = FindKey(body, "schemas")) {
    bool found = false;
    if (s->is_array()) {
      for (const auto& v : *s) {
        found = found || (v.is_string() &&
                          EqualsIgnoreCase(v.get_ref<const std::string&>(), kPatchOpSchema));
      }
    }
    if (!found) return InvalidSyntax(std::string("schemas must include ") + kPatchOpSchema);
  }
  const json* ops = FindKey(body, "Operations");
  if (!ops || !ops->is_array() || ops->empty()) {
    return InvalidSyntax("Operations must be a non-empty array");
  }
  if (ops->size() > kMaxPatchOperations) {
    return InvalidValue("at most " + std::to_string(kMaxPatchOperations) +
                        " operations per request");
  }
  std::vector<Operation> out;
  for (const auto& o : *ops) {
    if (!o.is_object()) return InvalidSyntax("each operation must be an object");
    Operation op;
    const json* name = FindKey(o, "op");
    if (!name || !name->is_string()) return InvalidSyntax("each operation needs an \"op\"");
    // Some clients capitalise op names ("Replace"); RFC 7644 names them in
    // lowercase. Both are accepted.
    const std::string& n = name->get_ref<const std::string&>();
    if (EqualsIgnoreCase(n, "add")) {
      op.op = Op::kAdd;
    } else if (EqualsIgnoreCase(n, "replace")) {
      op.op = Op::kReplace;
    } else if (EqualsIgnoreCase(n, "remove")) {
      op.op = Op::kRemove;
    } else {
      return InvalidSyntax("op must be add, replace or remove, not " + Shown(n));
    }
    if (const json* path = FindKey(o, "path"); path && !path->is_null()) {
      if (!path->is_string()) return InvalidPath("path must be a string");
      op.path = path->get<std::string>();
    }
    if (const json* value = FindKey(o, "value")) op.value = value;
    if (op.op != Op::kRemove && !op.value) {
      return InvalidValue("add and replace operations need a value");
    }
    if (op.op == Op::kRemove && !op.path) {
      return NoTarget("a remove operation needs a path");  // RFC 7644 §3.5.2.2
    }
    out.push_back(op);
  }
  return out;
}

Status NoFilterOrSub(const Path& p) {
  if (p.filter || !p.sub.empty())
    return InvalidPath("the path " + p.text + " has no sub-attributes");
  return Status::Ok();
}

// --- Users ---

Status ApplyNamePart(Op op, const std::string& sub, const json* value, UserDraft* d) {
  std::optional<std::string>* field = nullptr;
  if (sub == "givenname") {
    field = &d->given_name;
  } else if (sub == "familyname") {
    field = &d->family_name;
  } else if (sub == "formatted" || sub == "middlename" || sub == "honorificprefix" ||
             sub == "honorificsuffix") {
    return Status::Ok();  // formatted is derived; the others are not kept
  } else {
    return InvalidPath("name has no sub-attribute \"" + sub + "\"");
  }
  if (op == Op::kRemove) {
    *field = std::nullopt;
    return Status::Ok();
  }
  return ReadOptString(value, sub == "givenname" ? "name.givenName" : "name.familyName", field);
}

Status ApplyEmails(Op op, const Path& p, const json* value, UserDraft* d) {
  // accessd keeps one email per user, the userName (SPEC §5): it can be
  // restated, never changed or removed.
  if (op == Op::kRemove) return Mutability("the email is the userName and cannot be removed");
  if (p.filter) {
    json element = {{"value", d->user_name}, {"type", "work"}, {"primary", true}};
    auto fold_all = [](std::string_view) { return false; };
    if (!Matches(*p.filter, element, fold_all)) {
      return NoTarget("no email matches the path " + p.text);  // RFC 7644 §3.5.2.3
    }
  }
  if (p.sub.empty()) {
    auto chosen = ChosenEmail(*value);
    if (!chosen.ok()) return chosen.status();
    if (*chosen) return CheckSameEmail(**chosen, *d, false);
    return Status::Ok();
  }
  if (p.sub == "value") {
    if (!value->is_string()) return InvalidValue("emails.value must be a string");
    return CheckSameEmail(value->get<std::string>(), *d, false);
  }
  if (p.sub == "type" || p.sub == "primary" || p.sub == "display") {
    return Status::Ok();  // the one email is always the primary work email
  }
  return InvalidPath("emails has no sub-attribute \"" + p.sub + "\"");
}

Status ApplyUserPath(Op op, const Path& p, const json* value, UserDraft* d) {
  if (p.enterprise) {
    if (p.attr.empty() || Listed(kEnterpriseAttributes, p.attr)) return Status::Ok();
    return InvalidPath("the enterprise extension has no attribute " + p.text);
  }
  const std::string& a = p.attr;
  if (Listed(kIgnoredUserAttributes, a)) return Status::Ok();
  if (a == "id" || a == "meta" || a == "schemas" || a == "groups") {
    return Mutability(a == "groups" ? "group membership changes through /Groups"
                                    : "the path " + p.text + " is read-only");
  }
  if (a == "username") {
    if (Status s = NoFilterOrSub(p); !s.ok()) return s;
    if (op == Op::kRemove) return Mutability("userName cannot be removed");
    if (!value->is_string()) return InvalidValue("userName must be a string");
    if (!EqualsIgnoreCase(value->get_ref<const std::string&>(), d->user_name)) {
      return Mutability("userName is the email and cannot change");
    }
    return Status::Ok();
  }
  if (a == "displayname" || a == "externalid") {
    if (Status s = NoFilterOrSub(p); !s.ok()) return s;
    auto* field = a == "displayname" ? &d->display_name : &d->external_id;
    if (op == Op::kRemove) {
      *field = std::nullopt;
      return Status::Ok();
    }
    return ReadOptString(value, a == "displayname" ? "displayName" : "externalId", field);
  }
  if (a == "active") {
    if (Status s = NoFilterOrSub(p); !s.ok()) return s;
    if (op == Op::kRemove) return Mutability("active cannot be removed; set it to false");
    auto b = ReadBoolean(*value);
    if (!b) return InvalidValue("active must be a boolean");
    d->active = *b;
    return Status::Ok();
  }
  if (a == "name") {
    if (p.filter) return InvalidPath("name is not multi-valued: " + p.text);
    if (!p.sub.empty()) return ApplyNamePart(op, p.sub, value, d);
    if (op == Op::kRemove || value->is_null()) {
      d->given_name = d->family_name = std::nullopt;
      return Status::Ok();
    }
    if (!value->is_object()) return InvalidValue("name must be an object");
    // RFC 7644 §3.5.2.3: sub-attributes not given are left unchanged.
    for (const auto& [k, v] : value->items()) {
      if (Status s = ApplyNamePart(op, LowerAscii(k), &v, d); !s.ok()) return s;
    }
    return Status::Ok();
  }
  if (a == "emails") return ApplyEmails(op, p, value, d);
  return InvalidPath("accessd does not keep the attribute " + p.text);
}

// --- Groups ---

StatusOr<std::vector<std::string>> MemberIds(const json* value) {
  std::vector<std::string> ids;
  if (!value || value->is_null()) return ids;
  json list = value->is_object() ? json::array({*value}) : *value;
  if (!list.is_array()) return InvalidValue("members must be an array of {\"value\": id}");
  for (const auto& e : list) {
    const json* v = e.is_object() ? FindKey(e, "value") : nullptr;
    if (!v || !v->is_string() || v->get_ref<const std::string&>().empty()) {
      return InvalidValue("members must be an array of {\"value\": id}");
    }
    ids.push_back(v->get<std::string>());
  }
  return ids;
}

void AddMembers(const std::vector<std::string>& ids, GroupDraft* d) {
  for (const auto& id : ids) {
    if (std::find(d->member_ids.begin(), d->member_ids.end(), id) == d->member_ids.end()) {
      d->member_ids.push_back(id);
    }
  }
}

void RemoveMembers(const std::vector<std::string>& ids, GroupDraft* d) {
  auto& m = d->member_ids;
  m.erase(std::remove_if(m.begin(), m.end(),
                         [&](const std::string& id) {
                           return std::find(ids.begin(), ids.end(), id) != ids.end();
                         }),
          m.end());
}

Status ApplyMembers(Op op, const Path& p, const json* value, GroupDraft* d) {
  if (!p.sub.empty()) return InvalidPath("members sub-attributes cannot be changed: " + p.text);
  if (p.filter) {
    // Each member as the filter sees it; ids compare exactly.
    auto exact = [](std::string_view path) { return path == "value"; };
    std::vector<std::string> matched;
    for (const auto& id : d->member_ids) {
      json element = {{"value", id}, {"type", "User"}};
      if (Matches(*p.filter, element, exact)) matched.push_back(id);
    }
    if (op == Op::kRemove) {
      // Removing a member that is not there leaves the group as asked
      // (identity providers retry): not an error.
      RemoveMembers(matched, d);
      return Status::Ok();
    }
    if (op == Op::kAdd) {
      return InvalidPath("add members with the path \"members\", not a filter");
    }
    if (matched.empty()) return NoTarget("no member matches the path " + p.text);
    auto ids = MemberIds(value);
    if (!ids.ok()) return ids.status();
    RemoveMembers(matched, d);
    AddMembers(*ids, d);
    return Status::Ok();
  }
  if (op == Op::kRemove && (!value || value->is_null())) {
    d->member_ids.clear();  // RFC 7644 §3.5.2.2: no filter removes every value
    return Status::Ok();
  }
  auto ids = MemberIds(value);
  if (!ids.ok()) return ids.status();
  switch (op) {
    case Op::kAdd:
      AddMembers(*ids, d);
      break;
    case Op::kRemove:
      // As some clients send it: {"op": "Remove", "path": "members", "value": [{"value": id}]}.
      RemoveMembers(*ids, d);
      break;
    case Op::kReplace:
      d->member_ids.clear();
      AddMembers(*ids, d);
      break;
  }
  return Status::Ok();
}

Status ApplyGroupPath(Op op, const Path& p, const json* value, GroupDraft* d) {
  const std::string& a = p.attr;
  if (a == "id" || a == "meta" || a == "schemas") {
    return Mutability("the path " + p.text + " is read-only");
  }
  if (a == "displayname") {
    if (Status s = NoFilterOrSub(p); !s.ok()) return s;
    if (op == Op::kRemove) return Mutability("displayName is required and cannot be removed");
    if (!value->is_string()) return InvalidValue("displayName must be a string");
    d->display_name = value->get<std::string>();
    return Status::Ok();
  }
  if (a == "externalid") {
    if (Status s = NoFilterOrSub(p); !s.ok()) return s;
    if (op == Op::kRemove) {
      d->external_id = std::nullopt;
      return Status::Ok();
    }
    return ReadOptString(value, "externalId", &d->external_id);
  }
  if (a == "members") return ApplyMembers(op, p, value, d);
  return InvalidPath("a group has no attribute " + p.text);
}

// Runs `apply(op, path, value)` for each operation; a path-less add or
// replace is split into one operation per key of its value object.
using ApplyFn = std::function<Status(Op, const Path&, const json*)>;

Status ApplyAll(const json& body, const std::string& id, const char* core_urn, bool enterprise_ok,
                const ApplyFn& apply) {
  auto ops = ReadOperations(body);
  if (!ops.ok()) return ops.status();
  for (const Operation& op : *ops) {
    if (op.path) {
      auto path = ParsePath(*op.path, core_urn, enterprise_ok);
      if (!path.ok()) return path.status();
      if (Status s = apply(op.op, *path, op.value); !s.ok()) return s;
      continue;
    }
    if (!op.value->is_object()) {
      return InvalidValue("an operation without a path needs an object value");
    }
    for (const auto& [key, v] : op.value->items()) {
      const std::string lk = LowerAscii(key);
      // Read-only attributes sent back with the resource are ignored
      // (RFC 7644 §3.3); some clients repeat the group's id in renames.
      if (lk == "schemas" || lk == "meta") continue;
      if (lk == "id") {
        if (v.is_string() && v.get_ref<const std::string&>() == id) continue;
        return Mutability("id cannot change");
      }
      if (EqualsIgnoreCase(key, core_urn) && v.is_object()) {
        // {"urn:...:core:2.0:User": {...}}: the same attributes, qualified.
        for (const auto& [k2, v2] : v.items()) {
          auto path = ParsePath(k2, core_urn, enterprise_ok);
          if (!path.ok()) return path.status();
          if (Status s = apply(op.op, *path, &v2); !s.ok()) return s;
        }
        continue;
      }
      auto path = ParsePath(key, core_urn, enterprise_ok);
      if (!path.ok()) return path.status();
      if (Status s = apply(op.op, *path, &v); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace

Status ApplyUserPatch(const nlohmann::json& body, const std::string& user_id, UserDraft* draft) {
  return ApplyAll(body, user_id, kUserSchema, true,
                  [draft](Op op, const Path& p, const json* value) {
                    return ApplyUserPath(op, p, value, draft);
                  });
}

Status ApplyGroupPatch(const nlohmann::json& body, const std::string& group_id, GroupDraft* draft) {
  return ApplyAll(body, group_id, kGroupSchema, false,
                  [draft](Op op, const Path& p, const json* value) {
                    return ApplyGroupPath(op, p, value, draft);
                  });
}

}  // namespace accessd::scim
