// audit_service.cc — audit log paging and retention pruning (SPEC §4).
#include "service/audit_service.h"

#include "base/log.h"
#include "service/audit.h"
#include "store/audit_store.h"
#include "store/org_store.h"

namespace accessd::service {

namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

}  // namespace

AuditService::AuditService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

StatusOr<AuditLogPage> AuditService::List(const model::RequestContext& ctx,
                                          const AuditListQuery& q) {
  // SPEC §3: the Audit Log API is for org SATs and admin sessions. The route's
  // gate checks the same; this is the service's own first statement.
  const model::Principal& p = ctx.principal;
  if (p.org_id.empty()) return Status::Unauthenticated();
  const bool allowed = p.IsToken() ? p.kind == model::Principal::Kind::kOrgSat : p.IsAdminUser();
  if (!allowed) return Status::Forbidden("only organization tokens and admins may use this API");

  std::vector<FieldError> errors;
  if (q.per_page < 1 || q.per_page > kAuditMaxPerPage) {
    errors.push_back({"per_page", "must be an integer between 1 and 100"});
  }
  if (q.after_cursor && *q.after_cursor < 0) {
    errors.push_back({"after_cursor", "must be an id from a previous page"});
  }
  if (q.workspace_id && q.workspace_id->empty()) {
    errors.push_back({"workspace_id", "must not be empty"});
  }
  if (!errors.empty()) return Status::Invalid("invalid query", errors);

  // The organization comes from the credential, never from the request: no
  // filter can reach another organization's rows. A workspace id of another
  // organization (or of a deleted workspace of this one, whose rows stay
  // queryable) is not looked up: the org_id scope makes it match only this
  // organization's rows.
  store::AuditQuery sq;
  sq.org_id = p.org_id;
  sq.workspace_id = q.workspace_id;
  sq.created_after = q.created_after;
  sq.after_id = q.after_cursor;
  sq.limit = q.per_page;
  AuditLogPage out;
  db_.Read([&](store::Conn& c) {
    store::AuditPage page = store::ReadAuditPage(c, sq);
    out.rows = std::move(page.rows);
    out.total = page.total;
    out.more = page.more;
  });
  return out;
}

StatusOr<int64_t> AuditService::PruneExpired(int64_t now_ms,
                                             const std::function<bool()>& cancelled) {
  std::lock_guard<std::mutex> lock(prune_mu_);
  std::vector<model::Organization> orgs;
  db_.Read([&](store::Conn& c) { orgs = store::ListOrganizations(c); });

  int64_t pruned_all = 0;
  for (const model::Organization& org : orgs) {
    if (cancelled && cancelled()) break;
    const int64_t cutoff = now_ms - static_cast<int64_t>(org.audit_retention_days) * kDayMs;
    int64_t pruned = 0;
    bool last = false;
    while (!last) {
      // Each batch is its own write job so requests queued behind the writer
      // wait for at most one batch. The batch that turns out to be the last
      // (short, or cancelled) carries the organization's audit row, so the
      // row and the final deletions commit together (SPEC §4: "the pruning
      // itself is audited").
      int64_t n = 0;
      Status s = db_.Write([&](store::Conn& c) {
        n = store::PruneAudit(c, org.id, cutoff, kPruneBatchRows);
        last = n < kPruneBatchRows || (cancelled && cancelled());
        if (last && pruned + n > 0) {
          Change change;
          change.target_type = "organization";
          change.target_id = org.id;
          change.action = "deleted";
          change.details = {{"reason", "retention"},
                            {"prunedRows", pruned + n},
                            {"before", FormatRfc3339(cutoff)}};
          store::InsertAudit(c, MakeAuditRow(nullptr, org.id, change, "success", 0, now_ms));
        }
        return Status::Ok();
      });
      if (!s.ok()) {
        // The failed batch rolled back alone; earlier batches stay committed
        // but unaudited, which the log line records.
        LogError("audit retention pruning failed for organization " + org.id + " after " +
                 std::to_string(pruned) + " rows: " + s.message());
        return s;
      }
      pruned += n;
    }
    if (pruned > 0) {
      LogInfo("audit retention: pruned " + std::to_string(pruned) + " rows of organization " +
              org.id + " created before " + FormatRfc3339(cutoff));
    }
    pruned_all += pruned;
  }
  return pruned_all;
}

}  // namespace accessd::service
