// patch.h — SCIM PATCH (RFC 7644 §3.5.2, the "PatchOp" message) applied to a
// User or Group draft, accepting the shapes that identity providers
// actually send:
//   * op names in any case ("replace", "Replace");
//   * operations with a path ("active", "name.givenName",
//     `emails[type eq "work"].value`, `members[value eq "id"]`) and without
//     one, whose value object is read key by key as paths (keys such as
//     "name.givenName", or {"id", "displayName"} for groups);
//   * booleans as the strings "True"/"False";
//   * member removal both as `members[value eq "id"]` and as path "members"
//     with a value array.
//
// Paths to attributes of the RFC 7643 core User schema and the enterprise
// extension that accessd does not keep (title, phoneNumbers, department, ...)
// are accepted and change nothing; any other attribute is invalidPath.
// Failures carry their RFC 7644 §3.12 scimType: invalidSyntax (not a
// PatchOp), invalidPath, noTarget (a remove without a path; a replace whose
// filter matches nothing), mutability (userName, the email, id), invalidValue
// (wrong value types). A failing operation leaves the draft partly changed:
// callers apply a patch to a copy and discard it on failure (RFC 7644 §3.5.2:
// the whole request fails atomically).
//
// Pure: no I/O. Never throws on any input (beyond std::bad_alloc).
#ifndef ACCESSD_SCIM_PATCH_H_
#define ACCESSD_SCIM_PATCH_H_

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "scim/resources.h"

namespace accessd::scim {

// Most operations one PATCH request may carry.
inline constexpr size_t kMaxPatchOperations = 1000;

// `user_id` is the resource's id: a path-less value that repeats it is
// accepted, one that names another id is a mutability error.
Status ApplyUserPatch(const nlohmann::json& body, const std::string& user_id, UserDraft* draft);
Status ApplyGroupPatch(const nlohmann::json& body, const std::string& group_id, GroupDraft* draft);

}  // namespace accessd::scim

#endif  // ACCESSD_SCIM_PATCH_H_
