// resource_service.cc — resources and connections.
#include "service/resource_service.h"

namespace accessd::service {

ResourceService::ResourceService(store::Database& db, const Clock& clock, AuthService& auth)
    : db_(db), clock_(clock), auth_(auth) {}

}  // namespace accessd::service
