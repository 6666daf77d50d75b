// scim_service.cc — SCIM Users and Groups.
#include "scim/scim_service.h"

namespace accessd::scim {

ScimService::ScimService(store::Database& db, const Clock& clock, service::AuthService& auth)
    : db_(db), clock_(clock), auth_(auth) {}

}  // namespace accessd::scim
