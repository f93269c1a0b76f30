#pragma once
// nashost's environment variables, one prefix: NAS_DATA_DIR, NAS_PLUGIN_PATH,
// NAS_DATA_MIRROR, NAS_DATA_MIRROR_ONLY, NAS_DATA_CHECKSUMS, NAS_DATA_OFFLINE,
// NAS_DIST_TIMEOUT, NAS_SYSTEM_MALLOC (README: "Environment").
#include "nashost/export.hpp"

namespace nas {

/// The value of the environment variable `name` (a NAS_... name), or nullptr when unset.
/// Those that were called NASHOST_... before are still read under the old name, with a
/// warning (once per variable) that names the new one.
NASHOST_SDK_API const char* environment_variable(const char* name);

}  // namespace nas
