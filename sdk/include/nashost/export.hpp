#pragma once
// Symbol visibility for the SDK shared library. Plugins compile with hidden
// visibility; only what is marked here (and the plugin entry) is exported.
#if defined(NASHOST_SDK_BUILDING)
#define NASHOST_SDK_API __attribute__((visibility("default")))
#else
#define NASHOST_SDK_API __attribute__((visibility("default")))
#endif
