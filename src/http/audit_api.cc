// audit_api.cc — GET /v2/audit-logs, the Audit Log API (SPEC §4): one page of
// the caller's organization's audit rows, ascending by creation, with an
// exact total and a `next` link that keeps the filters.
//
// The handler only parses the query string and renders; who may read and
// which rows they see is AuditService::List. Reading with an org SAT is
// itself a token request, audited by the edge as "organization listed".
#include <cctype>
#include <cstdio>

#include "http/server.h"
#include "service/audit_service.h"

namespace accessd::http {

namespace {

// A non-negative decimal integer of at most `max_digits` digits; nothing
// else (no sign, no spaces, no exponent).
std::optional<int64_t> ParseDigits(const std::string& s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

// RFC 3986 §2.3: everything but the unreserved characters is percent-encoded.
std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

nlohmann::json RenderAuditRow(const model::AuditRow& r) {
  // details is stored as a JSON object; anything else (never written by us)
  // is shown as {} rather than failing the page.
  nlohmann::json details = nlohmann::json::parse(r.details_json, nullptr, false);
  if (details.is_discarded() || !details.is_object()) details = nlohmann::json::object();
  return {{"id", std::to_string(r.id)},
          {"actorId", r.actor_id},
          {"actorType", r.actor_type},
          {"targetId", r.target_id},
          {"targetType", r.target_type},
          {"action", r.action},
          {"ip", r.ip},
          {"createdAt", FormatRfc3339(r.created_at)},
          {"workspaceId", r.workspace_id ? nlohmann::json(*r.workspace_id) : nullptr},
          {"organizationId", r.org_id},
          {"outcome", r.outcome},
          {"userAgent", r.user_agent},
          {"details", std::move(details)}};
}

}  // namespace

void BindAuditApi(Router& r, const Deps& d) {
  r.Add("GET", "/v2/audit-logs", Gate::kOrgApi, [d](Call& c) {
    // Named before any validation so that a refused query is audited too.
    c.ctx.target_type = "organization";
    c.ctx.target_id = c.ctx.principal.org_id;
    c.ctx.action = "listed";

    service::AuditListQuery q;
    std::vector<FieldError> errors;
    if (c.HasQuery("per_page")) {
      auto v = ParseDigits(c.Query("per_page"), 9);
      if (v) {
        q.per_page = static_cast<int>(*v);
      } else {
        errors.push_back({"per_page", "must be an integer between 1 and 100"});
      }
    }
    if (c.HasQuery("after_cursor")) {
      q.after_cursor = ParseDigits(c.Query("after_cursor"), 18);
      if (!q.after_cursor) errors.push_back({"after_cursor", "must be an id from a previous page"});
    }
    std::string created_after;
    if (c.HasQuery("created_after")) {
      created_after = c.Query("created_after");
      q.created_after = ParseRfc3339(created_after);
      if (!q.created_after) {
        errors.push_back({"created_after", "must be an RFC 3339 date-time"});
      }
    }
    if (c.HasQuery("workspace_id")) q.workspace_id = c.Query("workspace_id");
    if (!errors.empty()) return c.Fail(Status::Invalid("invalid query", errors));

    auto page = d.audit->List(c.ctx, q);
    if (!page.ok()) return c.Fail(page.status());

    nlohmann::json data = nlohmann::json::array();
    for (const auto& row : page->rows) data.push_back(RenderAuditRow(row));
    nlohmann::json paging = {{"total", page->total}};
    if (page->more) {
      // The caller's filters, as given, so following `next` continues the
      // same listing.
      std::string next = "/v2/audit-logs?after_cursor=" + std::to_string(page->rows.back().id) +
                         "&per_page=" + std::to_string(q.per_page);
      if (q.workspace_id) next += "&workspace_id=" + UrlEncode(*q.workspace_id);
      if (q.created_after) next += "&created_after=" + UrlEncode(created_after);
      paging["next"] = next;
    }
    c.Json(200, {{"data", std::move(data)}, {"paging", std::move(paging)}});
  });
}

}  // namespace accessd::http
