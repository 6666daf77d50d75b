// scim_service.cc — SCIM Users and Groups: admission, lookups, and the write
// jobs that change users and groups together with their audit rows.
#include "scim/scim_service.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "base/random.h"
#include "scim/filter.h"
#include "scim/patch.h"
#include "service/audit.h"
#include "store/audit_store.h"
#include "store/group_store.h"
#include "store/org_store.h"
#include "store/token_store.h"
#include "store/user_store.h"

namespace accessd::scim {

namespace {

using nlohmann::json;

Status ScimDisabled() { return Status::Forbidden("SCIM is not enabled for this organization"); }

// Checked again inside every write job: a change that raced with an admin
// turning SCIM off does not land.
Status ScimEnabledIn(store::Conn& c, const std::string& org_id) {
  auto org = store::FindOrganization(c, org_id);
  if (!org || !org->scim_enabled) return ScimDisabled();
  return Status::Ok();
}

// SPEC §1: an organization always keeps at least one active admin. 409; the
// scimType says the change clashes with the resource's current state.
Status LastAdmin() {
  return Status::Conflict("the organization must keep at least one active admin")
      .WithSubcode("mutability");
}

// A user of the organization that is not removed: deprovisioned users are
// gone as far as SCIM can tell (SPEC §5).
std::optional<model::User> LiveUser(store::Conn& c, const std::string& org_id,
                                    const std::string& id) {
  auto u = store::FindUser(c, org_id, id);
  if (!u || u->status == model::UserStatus::kRemoved) return std::nullopt;
  return u;
}

json Opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

// Ids echoed in error details: short and printable.
std::string ShownId(const std::string& id) {
  std::string out;
  for (char c : id.substr(0, 64)) out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  return "\"" + out + "\"";
}

json RenderGroupIn(store::Conn& c, const model::Group& g, const std::string& base) {
  std::vector<MemberRef> refs;
  for (const auto& id : g.member_ids) {
    auto u = LiveUser(c, g.org_id, id);
    if (!u) continue;
    refs.push_back({id, u->display_name.empty() ? u->email : u->display_name});
  }
  return RenderGroup(g, refs, base);
}

// Parses the `filter` parameter; blank means no filter.
StatusOr<std::shared_ptr<const Filter>> ParseListFilter(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return std::shared_ptr<const Filter>();
  }
  ParseResult r = ParseFilter(text);
  if (!r.ok()) return InvalidFilter(r.error);
  return r.filter;
}

// SimpleEquality names the attribute either bare or with its schema URN.
bool IsAttr(const std::string& lowercase_path, const char* schema, const char* attr) {
  return lowercase_path == attr || lowercase_path == LowerAscii(schema) + ":" + attr;
}

void ApplyDraft(const UserDraft& d, model::User* u) {
  u->given_name = d.given_name;
  u->family_name = d.family_name;
  u->external_id = d.external_id;
  u->display_name = d.display_name ? *d.display_name : DerivedDisplayName(d);
  u->status = d.active ? model::UserStatus::kActive : model::UserStatus::kDeactivated;
}

// What an update changed, for the audit row (never a secret: SCIM bodies
// may carry a password, which is never read).
json UserChanges(const model::User& a, const model::User& b) {
  json changed = json::object();
  auto diff = [&](const char* name, const json& from, const json& to) {
    if (from != to) changed[name] = {{"from", from}, {"to", to}};
  };
  diff("displayName", a.display_name, b.display_name);
  diff("name.givenName", Opt(a.given_name), Opt(b.given_name));
  diff("name.familyName", Opt(a.family_name), Opt(b.family_name));
  diff("externalId", Opt(a.external_id), Opt(b.external_id));
  return changed;
}

// Every id that `ids` adds to `existing` must be a live user of the
// organization (a group holds users only).
Status CheckMembers(store::Conn& c, const std::string& org_id, const std::vector<std::string>& ids,
                    const std::vector<std::string>& existing) {
  for (const auto& id : ids) {
    if (std::find(existing.begin(), existing.end(), id) != existing.end()) continue;
    if (!LiveUser(c, org_id, id)) {
      return InvalidValue("members: " + ShownId(id) + " is not a user of this organization");
    }
  }
  return Status::Ok();
}

std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  }
  return out;
}

}  // namespace

ScimService::ScimService(store::Database& db, const Clock& clock, service::AuthService& auth)
    : db_(db), clock_(clock), auth_(auth) {}

Status ScimService::Admit(const model::RequestContext& ctx) {
  if (ctx.principal.kind != model::Principal::Kind::kOrgSat) {
    return Status::Forbidden("SCIM needs an organization service access token");
  }
  std::optional<model::Organization> org;
  db_.Read([&](store::Conn& c) { org = store::FindOrganization(c, ctx.principal.org_id); });
  if (!org || !org->scim_enabled) return ScimDisabled();
  return Status::Ok();
}

Status ScimService::CommitScimChange(
    model::RequestContext& ctx, int status,
    const std::function<Status(store::Conn&, service::Change&)>& fn,
    const std::function<void()>& after_commit) {
  const std::string org = ctx.principal.org_id;
  return service::CommitChange(
      db_, clock_, ctx, status,
      [&](store::Conn& c, service::Change& ch) {
        if (Status e = ScimEnabledIn(c, org); !e.ok()) return e;
        return fn(c, ch);
      },
      [this, &after_commit] {
        if (after_commit) after_commit();
        auth_.InvalidateAccess();
      });
}

// --- Users ---

StatusOr<Page> ScimService::ListUsers(const model::RequestContext& ctx, const std::string& base,
                                      const ListQuery& q) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  auto filter = ParseListFilter(q.filter);
  if (!filter.ok()) return filter.status();
  const std::shared_ptr<const Filter>& f = *filter;
  const std::string& org = ctx.principal.org_id;
  std::vector<json> matched;
  db_.Read([&](store::Conn& c) {
    std::vector<model::User> candidates;
    auto eq = f ? SimpleEquality(*f) : std::nullopt;
    if (eq && IsAttr(eq->first, kUserSchema, "username")) {
      // The identity providers' lookup before every create: one indexed
      // row (live emails are unique install-wide, case-insensitively).
      auto u = store::FindLiveUserByEmail(c, eq->second);
      if (u && u->org_id == org) candidates.push_back(std::move(*u));
    } else if (eq && IsAttr(eq->first, kUserSchema, "id")) {
      if (auto u = LiveUser(c, org, eq->second)) candidates.push_back(std::move(*u));
    } else {
      candidates = store::ListUsers(c, org);
    }
    for (const auto& u : candidates) {
      json r = RenderUser(u, base);
      // The indexed lookups are re-checked too, so every answer follows the
      // same comparison rules.
      if (!f || Matches(*f, r, IsCaseExact)) matched.push_back(std::move(r));
    }
  });
  return Paginate(std::move(matched), q.start_index, q.count);
}

StatusOr<json> ScimService::GetUser(const model::RequestContext& ctx, const std::string& base,
                                    const std::string& id) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  std::optional<model::User> u;
  db_.Read([&](store::Conn& c) { u = LiveUser(c, ctx.principal.org_id, id); });
  if (!u) return Status::NotFound("user not found");
  return RenderUser(*u, base);
}

StatusOr<json> ScimService::CreateUser(model::RequestContext& ctx, const std::string& base,
                                       const json& body) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  UserDraft d;
  if (Status s = ReadUserBody(body, false, &d); !s.ok()) return s;
  if (Status s = ValidateUser(d); !s.ok()) return s;
  const int64_t now = clock_.NowMs();
  model::User u;
  u.id = NewId("usr");
  u.org_id = ctx.principal.org_id;
  u.email = d.user_name;
  u.role = model::Role::kMember;  // SPEC §5: provisioned users are members
  ApplyDraft(d, &u);
  u.scim_managed = true;
  u.created_at = u.updated_at = now;
  Status s = CommitScimChange(
      ctx, 201,
      [&](store::Conn& c, service::Change& ch) {
        if (store::EmailTaken(c, u.email, "")) {
          return Uniqueness("a user with this userName already exists");
        }
        // No password: the user signs in once they set one (SPEC §1).
        store::InsertUser(c, u, std::nullopt);
        // SPEC §5: a provisioned user joins every workspace; with no member
        // policy, the baseline is what they get there.
        std::vector<std::string> workspaces;
        for (const auto& w : store::ListWorkspaces(c, u.org_id)) {
          store::AddDirectWorkspace(c, u.id, w.id);
          workspaces.push_back(w.id);
        }
        ch = {"user",
              u.id,
              "added_to_organization",
              std::nullopt,
              {{"email", u.email},
               {"role", model::RoleName(u.role)},
               {"status", model::UserStatusName(u.status)},
               {"externalId", Opt(u.external_id)},
               {"workspaceIds", workspaces}}};
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return RenderUser(u, base);
}

StatusOr<json> ScimService::ReplaceUser(model::RequestContext& ctx, const std::string& base,
                                        const std::string& id, const json& body) {
  return UpdateUser(ctx, base, id, body, false);
}

StatusOr<json> ScimService::PatchUser(model::RequestContext& ctx, const std::string& base,
                                      const std::string& id, const json& body) {
  return UpdateUser(ctx, base, id, body, true);
}

StatusOr<json> ScimService::UpdateUser(model::RequestContext& ctx, const std::string& base,
                                       const std::string& id, const json& body, bool patch) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  const std::string org = ctx.principal.org_id;
  json out;
  Status s = CommitScimChange(
      ctx, 200,
      [&](store::Conn& c, service::Change& ch) {
        // Read inside the write job: two PATCHes of one user never
        // interleave (read-modify-write on the single writer).
        auto before = LiveUser(c, org, id);
        if (!before) return Status::NotFound("user not found");
        UserDraft d = DraftOf(*before);
        Status e = patch ? ApplyUserPatch(body, id, &d) : ReadUserBody(body, true, &d);
        if (!e.ok()) return e;
        if (e = ValidateUser(d); !e.ok()) return e;
        model::User after = *before;
        ApplyDraft(d, &after);
        const json changed = UserChanges(*before, after);
        const bool deactivating = before->status == model::UserStatus::kActive &&
                                  after.status == model::UserStatus::kDeactivated;
        const bool reactivating = before->status == model::UserStatus::kDeactivated &&
                                  after.status == model::UserStatus::kActive;
        if (deactivating && before->role == model::Role::kAdmin &&
            store::CountActiveAdmins(c, org) <= 1) {
          return LastAdmin();
        }
        const int64_t now = clock_.NowMs();
        if (!changed.empty() || deactivating || reactivating || !before->scim_managed) {
          after.scim_managed = true;
          after.updated_at = now;
          store::UpdateUser(c, after);
        }
        // SPEC §5: a deactivated user loses dashboard access at once. Their
        // PATs are refused from the next request on (AuthService rebuilds
        // token principals after InvalidateAccess and checks the status) and
        // work again on reactivation; SATs never depend on a user.
        if (deactivating) store::DeleteSessionsOfUser(c, id);
        if (deactivating || reactivating) {
          ch = {"user",
                id,
                deactivating ? "deactivated" : "reactivated",
                std::nullopt,
                {{"email", after.email}, {"role", model::RoleName(after.role)}}};
          if (!changed.empty()) {
            // A second row for the other changes of the same request, so a
            // search for "updated" finds them too.
            service::Change more{"user",
                                 id,
                                 "updated",
                                 std::nullopt,
                                 {{"email", after.email}, {"changed", changed}}};
            store::InsertAudit(c, service::MakeAuditRow(&ctx, org, more, "success", 200, now));
          }
        } else {
          ch = {
              "user", id, "updated", std::nullopt, {{"email", after.email}, {"changed", changed}}};
        }
        out = RenderUser(after, base);
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return out;
}

Status ScimService::DeleteUser(model::RequestContext& ctx, const std::string& id) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  const std::string org = ctx.principal.org_id;
  std::vector<std::string> pats;
  return CommitScimChange(
      ctx, 204,
      [&](store::Conn& c, service::Change& ch) {
        auto u = LiveUser(c, org, id);
        if (!u) return Status::NotFound("user not found");
        if (u->role == model::Role::kAdmin && u->status == model::UserStatus::kActive &&
            store::CountActiveAdmins(c, org) <= 1) {
          return LastAdmin();
        }
        // Deprovisioning is removal (SPEC §1, §5): the row stays, status
        // removed, so the audit log still names the user and the email can
        // be provisioned again as a new user.
        u->status = model::UserStatus::kRemoved;
        u->scim_managed = true;
        u->updated_at = clock_.NowMs();
        store::UpdateUser(c, *u);
        store::DeleteSessionsOfUser(c, id);
        pats = store::DeletePatsOfUser(c, id);
        store::RemoveUserMemberships(c, id);
        ch = {"user",
              id,
              "removed_from_organization",
              std::nullopt,
              {{"email", u->email}, {"deletedTokens", pats.size()}}};
        return Status::Ok();
      },
      [&] {
        // Before the answer leaves: no request that starts after the
        // DELETE succeeds with one of the user's PATs (SPEC §2).
        for (const auto& t : pats) auth_.ForgetToken(t);
      });
}

// --- Groups ---

StatusOr<Page> ScimService::ListGroups(const model::RequestContext& ctx, const std::string& base,
                                       const ListQuery& q) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  auto filter = ParseListFilter(q.filter);
  if (!filter.ok()) return filter.status();
  const std::shared_ptr<const Filter>& f = *filter;
  const std::string& org = ctx.principal.org_id;
  std::vector<json> matched;
  db_.Read([&](store::Conn& c) {
    std::vector<model::Group> candidates;
    auto eq = f ? SimpleEquality(*f) : std::nullopt;
    if (eq && IsAttr(eq->first, kGroupSchema, "displayname")) {
      // Group names are unique per organization, case-insensitively.
      if (auto g = store::FindGroupByName(c, org, eq->second)) candidates.push_back(std::move(*g));
    } else if (eq && IsAttr(eq->first, kGroupSchema, "id")) {
      if (auto g = store::FindGroup(c, org, eq->second)) candidates.push_back(std::move(*g));
    } else {
      candidates = store::ListGroups(c, org);
    }
    for (const auto& g : candidates) {
      json r = RenderGroupIn(c, g, base);
      if (!f || Matches(*f, r, IsCaseExact)) matched.push_back(std::move(r));
    }
  });
  return Paginate(std::move(matched), q.start_index, q.count);
}

StatusOr<json> ScimService::GetGroup(const model::RequestContext& ctx, const std::string& base,
                                     const std::string& id) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  std::optional<json> out;
  db_.Read([&](store::Conn& c) {
    auto g = store::FindGroup(c, ctx.principal.org_id, id);
    if (g) out = RenderGroupIn(c, *g, base);
  });
  if (!out) return Status::NotFound("group not found");
  return *out;
}

StatusOr<json> ScimService::CreateGroup(model::RequestContext& ctx, const std::string& base,
                                        const json& body) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  GroupDraft d;
  if (Status s = ReadGroupBody(body, &d); !s.ok()) return s;
  if (Status s = ValidateGroup(d); !s.ok()) return s;
  const int64_t now = clock_.NowMs();
  model::Group g;
  g.id = NewId("grp");
  g.org_id = ctx.principal.org_id;
  g.name = d.display_name;
  g.external_id = d.external_id;
  g.scim_managed = true;
  g.created_at = g.updated_at = now;
  json out;
  Status s = CommitScimChange(
      ctx, 201,
      [&](store::Conn& c, service::Change& ch) {
        if (store::FindGroupByName(c, g.org_id, g.name)) {
          return Uniqueness("a group with this displayName already exists");
        }
        if (Status e = CheckMembers(c, g.org_id, d.member_ids, {}); !e.ok()) return e;
        // Workspaces and policies are the admins' to give, in the dashboard
        // (SPEC §5): a new group reaches nothing yet.
        store::InsertGroup(c, g);
        store::SetGroupMembers(c, g.id, d.member_ids);
        ch = {"group",
              g.id,
              "created",
              std::nullopt,
              {{"name", g.name}, {"externalId", Opt(g.external_id)}, {"memberIds", d.member_ids}}};
        auto saved = store::FindGroup(c, g.org_id, g.id);
        out = RenderGroupIn(c, saved ? *saved : g, base);
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return out;
}

StatusOr<json> ScimService::ReplaceGroup(model::RequestContext& ctx, const std::string& base,
                                         const std::string& id, const json& body) {
  return UpdateGroup(ctx, base, id, body, false);
}

StatusOr<json> ScimService::PatchGroup(model::RequestContext& ctx, const std::string& base,
                                       const std::string& id, const json& body) {
  return UpdateGroup(ctx, base, id, body, true);
}

StatusOr<json> ScimService::UpdateGroup(model::RequestContext& ctx, const std::string& base,
                                        const std::string& id, const json& body, bool patch) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  const std::string org = ctx.principal.org_id;
  json out;
  Status s = CommitScimChange(
      ctx, 200,
      [&](store::Conn& c, service::Change& ch) {
        auto before = store::FindGroup(c, org, id);
        if (!before) return Status::NotFound("group not found");
        GroupDraft d = DraftOf(*before);
        Status e = patch ? ApplyGroupPatch(body, id, &d) : ReadGroupBody(body, &d);
        if (!e.ok()) return e;
        if (e = ValidateGroup(d); !e.ok()) return e;
        if (d.display_name != before->name) {
          auto other = store::FindGroupByName(c, org, d.display_name);
          if (other && other->id != id) {
            return Uniqueness("a group with this displayName already exists");
          }
        }
        if (e = CheckMembers(c, org, d.member_ids, before->member_ids); !e.ok()) return e;
        const auto added = Minus(d.member_ids, before->member_ids);
        const auto removed = Minus(before->member_ids, d.member_ids);
        json changed = json::object();
        if (d.display_name != before->name) {
          changed["displayName"] = {{"from", before->name}, {"to", d.display_name}};
        }
        if (d.external_id != before->external_id) {
          changed["externalId"] = {{"from", Opt(before->external_id)}, {"to", Opt(d.external_id)}};
        }
        if (!added.empty()) changed["membersAdded"] = added;
        if (!removed.empty()) changed["membersRemoved"] = removed;
        model::Group after = *before;  // description, workspaces: the dashboard's
        after.name = d.display_name;
        after.external_id = d.external_id;
        if (!changed.empty() || !before->scim_managed) {
          after.scim_managed = true;
          after.updated_at = clock_.NowMs();
          store::UpdateGroup(c, after);
        }
        // Membership decides what members reach: their next request sees it
        // (CommitScimChange moves the access epoch after the commit).
        for (const auto& u : removed) store::RemoveGroupMember(c, id, u);
        for (const auto& u : added) store::AddGroupMember(c, id, u);
        ch = {"group", id, "updated", std::nullopt, {{"name", after.name}, {"changed", changed}}};
        auto saved = store::FindGroup(c, org, id);
        out = RenderGroupIn(c, saved ? *saved : after, base);
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return out;
}

Status ScimService::DeleteGroup(model::RequestContext& ctx, const std::string& id) {
  if (Status s = Admit(ctx); !s.ok()) return s;
  const std::string org = ctx.principal.org_id;
  return CommitScimChange(
      ctx, 204,
      [&](store::Conn& c, service::Change& ch) {
        auto g = store::FindGroup(c, org, id);
        if (!g) return Status::NotFound("group not found");
        // Its policies go with it; members keep their own access.
        store::DeleteGroup(c, org, id);
        ch = {"group",
              id,
              "deleted",
              std::nullopt,
              {{"name", g->name}, {"memberIds", g->member_ids}}};
        return Status::Ok();
      });
}

}  // namespace accessd::scim
