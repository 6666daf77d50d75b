// policy_store.h — stored policy documents (baseline, group, member) and the
// query that gathers every policy that applies to a member in a workspace.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/policy.h"

namespace accessd::store {

class Conn;

// A stored canonical document with its seq mark. Ids of resources deleted
// since it was saved are tolerated (they match nothing); an unreadable
// document grants nothing.
auth::Policy DecodeStoredPolicy(const std::string& text, int64_t seq_mark);

enum class PolicySubject { kBaseline, kGroup, kMember };

// The stored policy, or nullopt when none was saved (callers treat that as
// the empty policy).
std::optional<auth::Policy> GetPolicy(Conn& c, const std::string& workspace_id,
                                      PolicySubject subject, const std::string& subject_id);
// Stores the canonical document of `p` with p.seq_mark.
void PutPolicy(Conn& c, const std::string& workspace_id, PolicySubject subject,
               const std::string& subject_id, const auth::Policy& p, int64_t now);
void DeletePoliciesOfSubject(Conn& c, PolicySubject subject, const std::string& subject_id);

// The highest resource seq ever handed out (0 when none): the mark a policy
// saved now carries, so that only resources created later count as "future".
int64_t CurrentResourceSeq(Conn& c);

// baseline, then "group:<id>" for each group of the user that is part of the
// workspace, then "member". Missing documents are skipped (empty).
std::vector<auth::SourcedPolicy> PoliciesForUser(Conn& c, const std::string& workspace_id,
                                                 const std::string& user_id);
// The workspace baseline ("baseline"), possibly empty.
auth::Policy BaselinePolicy(Conn& c, const std::string& workspace_id);

// Every stored policy of a workspace (to drop ids of a deleted resource).
struct StoredPolicy {
  PolicySubject subject;
  std::string subject_id;
  auth::Policy policy;
};
std::vector<StoredPolicy> PoliciesOfWorkspace(Conn& c, const std::string& workspace_id);

}  // namespace accessd::store
