// policy_api.cc — groups, policies and effective permissions (SPEC §6a).
#include "http/server.h"
#include "service/policy_service.h"

namespace accessd::http {

void BindPolicyApi(Router& r, const Deps& d) {}

}  // namespace accessd::http
