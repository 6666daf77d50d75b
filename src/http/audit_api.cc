// audit_api.cc — GET /v2/audit-logs (SPEC §4).
#include "http/server.h"
#include "service/audit_service.h"

namespace accessd::http {

void BindAuditApi(Router& r, const Deps& d) {}

}  // namespace accessd::http
