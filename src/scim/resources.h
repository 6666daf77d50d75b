// resources.h — the SCIM 2.0 shapes accessd speaks (RFC 7643, RFC 7644): how
// a User and a Group are rendered, how POST/PUT bodies are read into drafts,
// attribute projection (`attributes` / `excludedAttributes`), list
// responses, and the discovery documents (ServiceProviderConfig,
// ResourceTypes, Schemas).
//
// What a SCIM User is here: one accessd user. `userName` is the email, the
// only email a user has, so `emails` always holds exactly that one address
// (type "work", primary) and can never name another. `active` maps to the
// user's status. Attributes of the RFC 7643 core and enterprise schemas that
// accessd does not keep (title, phoneNumbers, password, ...) are accepted in
// bodies and ignored; /Schemas describes only what is kept.
//
// This unit is pure: no I/O, no SQL, no HTTP, no clock. It never throws on
// any input (beyond std::bad_alloc). Thread-safe.
#ifndef ACCESSD_SCIM_RESOURCES_H_
#define ACCESSD_SCIM_RESOURCES_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/types.h"

namespace accessd::scim {

inline constexpr char kUserSchema[] = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr char kGroupSchema[] = "urn:ietf:params:scim:schemas:core:2.0:Group";
inline constexpr char kEnterpriseUserSchema[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr char kListResponseSchema[] = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
inline constexpr char kPatchOpSchema[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
inline constexpr char kSearchRequestSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

// Most resources one list response carries (ServiceProviderConfig
// filter.maxResults); also the page size when the client names none.
inline constexpr int64_t kMaxResults = 200;
// Longest displayName, name part or externalId accepted, in bytes.
inline constexpr size_t kMaxAttributeLength = 256;

// Failures with their RFC 7644 §3.12 scimType.
Status InvalidValue(std::string message);   // 400 invalidValue
Status InvalidSyntax(std::string message);  // 400 invalidSyntax
Status InvalidPath(std::string message);    // 400 invalidPath
Status NoTarget(std::string message);       // 400 noTarget
Status Mutability(std::string message);     // 400 mutability
Status InvalidFilter(std::string message);  // 400 invalidFilter
Status Uniqueness(std::string message);     // 409 uniqueness

// RFC 7643 §2.1: attribute names are case-insensitive. The value of `key` in
// the JSON object `obj` (first match, any case), or nullptr.
const nlohmann::json* FindKey(const nlohmann::json& obj, std::string_view key);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string LowerAscii(std::string_view s);
// A SCIM boolean: true/false, or the strings "true"/"false" in any case
// (some identity providers send "True"/"False"). nullopt for anything else.
std::optional<bool> ReadBoolean(const nlohmann::json& v);

// The writable state of a User as SCIM sees it.
struct UserDraft {
  std::string user_name;  // the email
  std::optional<std::string> given_name;
  std::optional<std::string> family_name;
  std::optional<std::string> display_name;
  std::optional<std::string> external_id;
  bool active = true;
};

// The writable state of a Group: its members are user ids, in order, without
// repeats.
struct GroupDraft {
  std::string display_name;
  std::optional<std::string> external_id;
  std::vector<std::string> member_ids;
};

UserDraft DraftOf(const model::User& u);
GroupDraft DraftOf(const model::Group& g);

// Reads a User body. POST (`replace` false): `draft` starts empty and active.
// PUT (`replace` true): `draft` holds the current state; every writable
// attribute the body omits is cleared (RFC 7644 §3.5.1), except `active`,
// which keeps its value when absent (an omitted attribute is not a request
// to deactivate anyone). Read-only and unknown attributes are ignored
// (RFC 7644 §3.3). Fails with invalidSyntax (not an object, wrong
// "schemas"), invalidValue (wrong types, an email other than the userName on
// POST) or mutability (PUT naming another email).
Status ReadUserBody(const nlohmann::json& body, bool replace, UserDraft* draft);
// Reads a Group body (POST or PUT: both give the whole group; omitted
// externalId and members are cleared).
Status ReadGroupBody(const nlohmann::json& body, GroupDraft* draft);

// Field rules once a draft is complete: userName an email; names and ids at
// most kMaxAttributeLength bytes without control characters; a group's
// displayName not blank. invalidValue otherwise.
Status ValidateUser(const UserDraft& d);
Status ValidateGroup(const GroupDraft& d);

// The displayName stored when the client gave none: "given family", else
// the local part of the email.
std::string DerivedDisplayName(const UserDraft& d);

// Reads an `emails` value (an array of complex values, or one such value)
// and returns the address accessd would keep: the primary one, else the one
// typed "work", else the first; nullopt for an empty array. invalidValue for
// any other shape. Shared by body reading and PATCH.
StatusOr<std::optional<std::string>> ChosenEmail(const nlohmann::json& emails);
// Ok when `email` is the draft's userName (case-insensitively): the only
// email a user can have. Otherwise invalidValue on create (`creating`), else
// mutability.
Status CheckSameEmail(const std::string& email, const UserDraft& d, bool creating);

// Reads an optional string attribute: absent (nullptr), null and "" all mean
// unassigned; a non-string is invalidValue naming `attr`.
Status ReadOptString(const nlohmann::json* v, const char* attr, std::optional<std::string>* out);

// Renderings (RFC 7643 §4.1, §4.2). `base` is the absolute URL of /scim/v2
// (no trailing slash), used for meta.location and members' $ref.
nlohmann::json RenderUser(const model::User& u, const std::string& base);
struct MemberRef {
  std::string id;
  std::string display;
};
nlohmann::json RenderGroup(const model::Group& g, const std::vector<MemberRef>& members,
                           const std::string& base);

// The caseExact characteristic of the attributes accessd renders, for
// scim::Matches: ids, externalId and member ids compare exactly; names,
// userName and emails fold case.
bool IsCaseExact(std::string_view lowercase_path);

// RFC 7644 §3.9 `attributes` / `excludedAttributes`: comma-separated
// attribute names ("members", "name.givenName", or URN-qualified).
struct Projection {
  std::vector<std::string> attributes;  // lowercase, URN stripped
  std::vector<std::string> excluded;
};
Projection ParseProjection(const std::string& attributes, const std::string& excluded);
// The resource with only the asked-for attributes; "schemas" and "id" are
// always returned (RFC 7643 §7 "returned: always").
nlohmann::json Project(const nlohmann::json& resource, const Projection& p);

// One page of a list, before projection.
struct Page {
  int64_t total = 0;
  int64_t start_index = 1;
  bool count_zero = false;  // count=0 was asked: totalResults only
  std::vector<nlohmann::json> resources;
};
// RFC 7644 §3.4.2: {schemas, totalResults, startIndex, itemsPerPage,
// Resources}; Resources is omitted only for count=0.
nlohmann::json ListResponse(const Page& page, const Projection& p);

// Picks the page [start_index, start_index + count) of `all` (1-based;
// start_index < 1 is 1; count absent is kMaxResults; count < 0 is 0; count
// above kMaxResults is kMaxResults). RFC 7644 §3.4.2.4.
Page Paginate(std::vector<nlohmann::json> all, int64_t start_index, std::optional<int64_t> count);

// Discovery (RFC 7643 §5, §6, §7; RFC 7644 §4). The *One functions return
// nullopt for an unknown name or URN.
nlohmann::json ServiceProviderConfig(const std::string& base);
nlohmann::json ResourceTypeList(const std::string& base);
std::optional<nlohmann::json> ResourceTypeOne(const std::string& name, const std::string& base);
nlohmann::json SchemaList(const std::string& base);
std::optional<nlohmann::json> SchemaOne(const std::string& urn, const std::string& base);

}  // namespace accessd::scim

#endif  // ACCESSD_SCIM_RESOURCES_H_
