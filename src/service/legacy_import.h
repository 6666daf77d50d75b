// legacy_import.h — `accessd legacy import FILE` (SPEC §7): reads a legacy
// export (the format of legacy-export.md) and creates one organization on
// the legacy access model, all or nothing.
//
// The whole document is judged before anything is written, and every
// problem is reported at once as a FieldError whose `field` is the path of
// the offending value in the document ("serviceAccessTokens[0].token",
// "users[3].workspaces.prod.connections", "resources[2].editAllowList[1]";
// "" names the document itself). A member
// whose value is null counts as absent. Only a document without a single
// problem is written, in one write job (store::Database::Write) with one
// audit row, so a failed import leaves the database exactly as it was.
//
// Secrets: token values and plain passwords from the file are kept only as
// Argon2id PHC strings (and, for tokens, the SHA-256 lookup index that
// authentication uses); no message, log line, audit row or return value
// ever contains them. Thread-safe (no state of its own).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "store/db.h"

namespace accessd::service {

// The text of an export, parsed (at most 64 levels deep). `duplicates` names
// every member that appears twice in one object: the JSON value keeps only
// the last one, so the import rejects such a document.
struct LegacyDocument {
  nlohmann::json json;
  std::vector<FieldError> duplicates;
};

// Parses the text of an export. kInvalid with one FieldError: at path "",
// giving the line and column, when the text is not JSON (never quoting it:
// it holds secrets); at the path of the first value nested deeper than 64
// levels. Does not judge the content otherwise.
StatusOr<LegacyDocument> ParseLegacyExport(const std::string& text);

struct LegacyImportResult {
  std::string org_id;
  int64_t workspaces = 0;
  int64_t users = 0;
  int64_t resources = 0;
  int64_t connections = 0;
  int64_t service_access_tokens = 0;
  int64_t personal_access_tokens = 0;
};

// Judges `doc` (the field rules of legacy-export.md, references between its
// objects, and what the database already holds: live users' emails, token
// values imported before), hashes its secrets, and writes the organization
// with access model "legacy", its workspaces, users, memberships and legacy
// roles, resources with their edit allow-lists, connections, service access
// tokens and personal access tokens, plus one audit row (actor system).
// Returns what was created. kInvalid with every problem as a FieldError when
// the document is rejected; kConflict or kInternal when the write fails.
// Nothing is written unless it returns Ok.
StatusOr<LegacyImportResult> ImportLegacyExport(store::Database& db, const Clock& clock,
                                                const LegacyDocument& doc);

}  // namespace accessd::service
