// resource_store.cc — SQL for resources and connections.
#include "store/resource_store.h"

#include "store/conn.h"

namespace accessd::store {

bool ResourceExistsInWorkspace(Conn& c, const std::string& workspace_id, auth::ResourceType type,
                               const std::string& id) {
  auto& st = c.Prepare("SELECT 1 FROM resources WHERE id = ? AND workspace_id = ? AND type = ?");
  st.bind(1, id);
  st.bind(2, workspace_id);
  st.bind(3, auth::ResourceTypeKey(type));
  return st.executeStep();
}

}  // namespace accessd::store
