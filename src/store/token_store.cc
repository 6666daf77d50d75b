// token_store.cc — SQL for tokens. Workspace SAT policies are stored as the
// canonical document text with their seq mark.
#include "store/token_store.h"

#include <nlohmann/json.hpp>

#include "store/conn.h"
#include "store/policy_store.h"

namespace accessd::store {

namespace {

#define TOKEN_COLS                                                                            \
  "key_id, org_id, kind, name, workspace_id, user_id, scope, policy, policy_seq, created_by, " \
  "created_at, last_used_at, expires_at, legacy_lookup IS NOT NULL, secret_hash"

TokenRow ReadToken(SQLite::Statement& st) {
  TokenRow r;
  model::Token& t = r.token;
  t.id = st.getColumn(0).getString();
  t.org_id = st.getColumn(1).getString();
  t.kind = model::ParseTokenKindName(st.getColumn(2).getString()).value_or(model::TokenKind::kPat);
  t.name = st.getColumn(3).getString();
  t.workspace_id = OptString(st.getColumn(4));
  t.user_id = OptString(st.getColumn(5));
  if (auto s = OptString(st.getColumn(6))) t.scope = model::ParsePatScope(*s);
  if (auto p = OptString(st.getColumn(7))) {
    t.policy = DecodeStoredPolicy(*p, OptInt(st.getColumn(8)).value_or(0));
  }

  t.created_by = OptString(st.getColumn(9));
  t.created_at = st.getColumn(10).getInt64();
  t.last_used_at = OptInt(st.getColumn(11));
  t.expires_at = OptInt(st.getColumn(12));
  t.legacy = st.getColumn(13).getInt() != 0;
  r.secret_hash = st.getColumn(14).getString();
  return r;
}

}  // namespace

void InsertToken(Conn& c, const model::Token& t, const std::string& secret_hash,
                 const std::optional<std::string>& legacy_lookup) {
  auto& st = c.Prepare(
      "INSERT INTO tokens (key_id, org_id, kind, name, workspace_id, user_id, scope, policy, "
      "policy_seq, secret_hash, legacy_lookup, created_by, created_at, last_used_at, expires_at) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, t.id);
  st.bind(2, t.org_id);
  st.bind(3, auth::TokenKindName(t.kind));
  st.bind(4, t.name);
  BindOpt(st, 5, t.workspace_id);
  BindOpt(st, 6, t.user_id);
  if (t.scope) {
    st.bind(7, model::PatScopeName(*t.scope));
  } else {
    st.bind(7);
  }
  if (t.policy) {
    st.bind(8, auth::PolicyToJson(*t.policy).dump());
    st.bind(9, static_cast<int64_t>(t.policy->seq_mark));
  } else {
    st.bind(8);
    st.bind(9);
  }
  st.bind(10, secret_hash);
  BindOpt(st, 11, legacy_lookup);
  BindOpt(st, 12, t.created_by);
  st.bind(13, t.created_at);
  BindOpt(st, 14, t.last_used_at);
  BindOpt(st, 15, t.expires_at);
  st.exec();
}

std::optional<TokenRow> FindTokenByKeyId(Conn& c, const std::string& key_id) {
  auto& st = c.Prepare("SELECT " TOKEN_COLS " FROM tokens WHERE key_id = ?");
  st.bind(1, key_id);
  if (!st.executeStep()) return std::nullopt;
  return ReadToken(st);
}

std::optional<TokenRow> FindTokenByLegacyLookup(Conn& c, const std::string& lookup) {
  auto& st = c.Prepare("SELECT " TOKEN_COLS " FROM tokens WHERE legacy_lookup = ?");
  st.bind(1, lookup);
  if (!st.executeStep()) return std::nullopt;
  return ReadToken(st);
}

std::optional<model::Token> FindToken(Conn& c, const std::string& org_id, const std::string& id) {
  auto& st = c.Prepare("SELECT " TOKEN_COLS " FROM tokens WHERE key_id = ? AND org_id = ?");
  st.bind(1, id);
  st.bind(2, org_id);
  if (!st.executeStep()) return std::nullopt;
  return ReadToken(st).token;
}

std::vector<model::Token> ListTokens(Conn& c, const std::string& org_id,
                                     const std::optional<model::TokenKind>& kind,
                                     const std::optional<std::string>& workspace_id,
                                     const std::optional<std::string>& user_id) {
  auto& st = c.Prepare("SELECT " TOKEN_COLS
                       " FROM tokens WHERE org_id = ?1 AND (?2 IS NULL OR kind = ?2)"
                       " AND (?3 IS NULL OR workspace_id = ?3) AND (?4 IS NULL OR user_id = ?4)"
                       " ORDER BY created_at, key_id");
  st.bind(1, org_id);
  if (kind) {
    st.bind(2, auth::TokenKindName(*kind));
  } else {
    st.bind(2);
  }
  BindOpt(st, 3, workspace_id);
  BindOpt(st, 4, user_id);
  std::vector<model::Token> out;
  while (st.executeStep()) out.push_back(ReadToken(st).token);
  return out;
}

void DeleteToken(Conn& c, const std::string& org_id, const std::string& id) {
  auto& st = c.Prepare("DELETE FROM tokens WHERE key_id = ? AND org_id = ?");
  st.bind(1, id);
  st.bind(2, org_id);
  if (st.exec() == 0) return;
  // A legacy workspace SAT's role goes with it (SPEC §7).
  auto& roles =
      c.Prepare("DELETE FROM legacy_roles WHERE subject_type = 'token' AND subject_id = ?");
  roles.bind(1, id);
  roles.exec();
}

bool SetWorkspaceSatPolicy(Conn& c, const std::string& org_id, const std::string& key_id,
                           const auth::Policy& p) {
  auto& st = c.Prepare(
      "UPDATE tokens SET policy = ?, policy_seq = ?"
      " WHERE key_id = ? AND org_id = ? AND kind = 'workspace_sat'");
  st.bind(1, auth::PolicyToJson(p).dump());
  st.bind(2, static_cast<int64_t>(p.seq_mark));
  st.bind(3, key_id);
  st.bind(4, org_id);
  return st.exec() > 0;
}

std::vector<std::string> DeletePatsOfUser(Conn& c, const std::string& user_id) {
  std::vector<std::string> ids;
  {
    auto& st = c.Prepare("SELECT key_id FROM tokens WHERE user_id = ? AND kind = 'pat'");
    st.bind(1, user_id);
    while (st.executeStep()) ids.push_back(st.getColumn(0).getString());
  }
  auto& del = c.Prepare("DELETE FROM tokens WHERE user_id = ? AND kind = 'pat'");
  del.bind(1, user_id);
  del.exec();
  return ids;
}

std::vector<std::string> TokenIdsOfWorkspace(Conn& c, const std::string& workspace_id) {
  auto& st = c.Prepare("SELECT key_id FROM tokens WHERE workspace_id = ?");
  st.bind(1, workspace_id);
  std::vector<std::string> ids;
  while (st.executeStep()) ids.push_back(st.getColumn(0).getString());
  return ids;
}

void TouchToken(Conn& c, const std::string& key_id, int64_t now) {
  auto& st = c.Prepare("UPDATE tokens SET last_used_at = ? WHERE key_id = ?");
  st.bind(1, now);
  st.bind(2, key_id);
  st.exec();
}

}  // namespace accessd::store
