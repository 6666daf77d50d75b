// audit_service.h — reading the audit log (GET /v2/audit-logs) and retention
// pruning (SPEC §4). Writing rows is service/audit.h. Thread-safe.
#pragma once

#include "base/clock.h"
#include "store/db.h"

namespace accessd::service {

class AuditService {
 public:
  AuditService(store::Database& db, const Clock& clock);

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace accessd::service
