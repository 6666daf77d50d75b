// scim_service.h — SCIM 2.0 provisioning of Users and Groups (SPEC §5,
// RFC 7643, RFC 7644) for an organization SAT. Thread-safe.
#pragma once

#include "base/clock.h"
#include "service/auth_service.h"
#include "store/db.h"

namespace accessd::scim {

class ScimService {
 public:
  ScimService(store::Database& db, const Clock& clock, service::AuthService& auth);

 private:
  store::Database& db_;
  const Clock& clock_;
  service::AuthService& auth_;
};

}  // namespace accessd::scim
