// policy_service.cc — groups and policies.
#include "service/policy_service.h"

namespace accessd::service {

PolicyService::PolicyService(store::Database& db, const Clock& clock, AuthService& auth)
    : db_(db), clock_(clock), auth_(auth) {}

}  // namespace accessd::service
