// token_store.h — service access tokens and personal access tokens: metadata
// and the Argon2id hash of the secret, looked up by key id (the primary key),
// or for legacy tokens by the SHA-256 index (SPEC §7). Never the secret.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/types.h"

namespace accessd::store {

class Conn;

struct TokenRow {
  model::Token token;
  std::string secret_hash;  // Argon2id PHC
};

void InsertToken(Conn& c, const model::Token& t, const std::string& secret_hash,
                 const std::optional<std::string>& legacy_lookup);
// By key id in any organization (authentication: the org comes from the row).
std::optional<TokenRow> FindTokenByKeyId(Conn& c, const std::string& key_id);
std::optional<TokenRow> FindTokenByLegacyLookup(Conn& c, const std::string& lookup);
std::optional<model::Token> FindToken(Conn& c, const std::string& org_id, const std::string& id);
// kind filter optional; workspace filter optional; user filter optional.
std::vector<model::Token> ListTokens(Conn& c, const std::string& org_id,
                                     const std::optional<model::TokenKind>& kind,
                                     const std::optional<std::string>& workspace_id,
                                     const std::optional<std::string>& user_id);
// Deletes the token (and a legacy workspace SAT's role).
void DeleteToken(Conn& c, const std::string& org_id, const std::string& id);
// Replaces a workspace SAT's policy and seq mark. Only a migration deploy
// does this (SPEC §7): otherwise a workspace SAT's policy is fixed when it is
// generated (SPEC §2). Returns false when no such workspace SAT exists.
bool SetWorkspaceSatPolicy(Conn& c, const std::string& org_id, const std::string& key_id,
                           const auth::Policy& p);
// Deletes the user's PATs; returns their key ids (to clear caches).
std::vector<std::string> DeletePatsOfUser(Conn& c, const std::string& user_id);
std::vector<std::string> TokenIdsOfWorkspace(Conn& c, const std::string& workspace_id);
void TouchToken(Conn& c, const std::string& key_id, int64_t now);

}  // namespace accessd::store
