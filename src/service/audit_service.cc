// audit_service.cc — audit log paging and retention.
#include "service/audit_service.h"

namespace accessd::service {

AuditService::AuditService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

}  // namespace accessd::service
