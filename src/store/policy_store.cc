// policy_store.cc — SQL for policy documents.
#include "store/policy_store.h"

#include <nlohmann/json.hpp>

#include "store/conn.h"

namespace accessd::store {

namespace {

const char* SubjectName(PolicySubject s) {
  switch (s) {
    case PolicySubject::kBaseline: return "baseline";
    case PolicySubject::kGroup: return "group";
    case PolicySubject::kMember: return "member";
  }
  return "";
}

PolicySubject ParseSubject(const std::string& s) {
  if (s == "group") return PolicySubject::kGroup;
  if (s == "member") return PolicySubject::kMember;
  return PolicySubject::kBaseline;
}

}  // namespace

// Stored documents were validated when written. Ids of resources deleted
// since are tolerated (they no longer match anything).
auth::Policy DecodeStoredPolicy(const std::string& text, int64_t seq_mark) {
  std::vector<auth::PolicyError> errors;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  auto p = auth::ParsePolicy(doc, [](auth::ResourceType, const std::string&) { return true; },
                             &errors);
  auth::Policy out = p ? std::move(*p) : auth::Policy{};
  out.seq_mark = seq_mark;
  return out;
}

std::optional<auth::Policy> GetPolicy(Conn& c, const std::string& workspace_id,
                                      PolicySubject subject, const std::string& subject_id) {
  auto& st = c.Prepare(
      "SELECT document, seq_mark FROM policies WHERE workspace_id = ? AND subject_type = ? AND "
      "subject_id = ?");
  st.bind(1, workspace_id);
  st.bind(2, SubjectName(subject));
  st.bind(3, subject_id);
  if (!st.executeStep()) return std::nullopt;
  return DecodeStoredPolicy(st.getColumn(0).getString(), st.getColumn(1).getInt64());
}

void PutPolicy(Conn& c, const std::string& workspace_id, PolicySubject subject,
               const std::string& subject_id, const auth::Policy& p, int64_t now) {
  auto& st = c.Prepare(
      "INSERT INTO policies (workspace_id, subject_type, subject_id, document, seq_mark, "
      "updated_at) VALUES (?,?,?,?,?,?) ON CONFLICT (workspace_id, subject_type, subject_id) "
      "DO UPDATE SET document = excluded.document, seq_mark = excluded.seq_mark, "
      "updated_at = excluded.updated_at");
  st.bind(1, workspace_id);
  st.bind(2, SubjectName(subject));
  st.bind(3, subject_id);
  st.bind(4, auth::PolicyToJson(p).dump());
  st.bind(5, static_cast<int64_t>(p.seq_mark));
  st.bind(6, now);
  st.exec();
}

void DeletePoliciesOfSubject(Conn& c, PolicySubject subject, const std::string& subject_id) {
  auto& st = c.Prepare("DELETE FROM policies WHERE subject_type = ? AND subject_id = ?");
  st.bind(1, SubjectName(subject));
  st.bind(2, subject_id);
  st.exec();
}

int64_t CurrentResourceSeq(Conn& c) {
  auto& st = c.Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'resources'");
  if (!st.executeStep()) return 0;
  return st.getColumn(0).getInt64();
}

std::vector<auth::SourcedPolicy> PoliciesForUser(Conn& c, const std::string& workspace_id,
                                                 const std::string& user_id) {
  std::vector<auth::SourcedPolicy> out;
  out.push_back({"baseline", BaselinePolicy(c, workspace_id)});
  {
    auto& st = c.Prepare(
        "SELECT gm.group_id, p.document, p.seq_mark FROM group_members gm"
        " JOIN group_workspaces gw ON gw.group_id = gm.group_id AND gw.workspace_id = ?1"
        " LEFT JOIN policies p ON p.workspace_id = ?1 AND p.subject_type = 'group'"
        "   AND p.subject_id = gm.group_id"
        " WHERE gm.user_id = ?2 ORDER BY gm.group_id");
    st.bind(1, workspace_id);
    st.bind(2, user_id);
    while (st.executeStep()) {
      if (st.getColumn(1).isNull()) continue;
      out.push_back({"group:" + st.getColumn(0).getString(),
                     DecodeStoredPolicy(st.getColumn(1).getString(),
                                        st.getColumn(2).getInt64())});
    }
  }
  if (auto m = GetPolicy(c, workspace_id, PolicySubject::kMember, user_id)) {
    out.push_back({"member", std::move(*m)});
  }
  return out;
}

auth::Policy BaselinePolicy(Conn& c, const std::string& workspace_id) {
  auto p = GetPolicy(c, workspace_id, PolicySubject::kBaseline, "");
  return p ? std::move(*p) : auth::Policy{};
}

std::vector<StoredPolicy> PoliciesOfWorkspace(Conn& c, const std::string& workspace_id) {
  auto& st = c.Prepare(
      "SELECT subject_type, subject_id, document, seq_mark FROM policies WHERE workspace_id = ?");
  st.bind(1, workspace_id);
  std::vector<StoredPolicy> out;
  while (st.executeStep()) {
    out.push_back({ParseSubject(st.getColumn(0).getString()), st.getColumn(1).getString(),
                   DecodeStoredPolicy(st.getColumn(2).getString(), st.getColumn(3).getInt64())});
  }
  return out;
}

}  // namespace accessd::store
