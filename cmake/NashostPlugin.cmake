# nashost_add_plugin(<name> ENTRY <file> [SOURCES <files>...] [LIBRARIES <targets>...])
#
# Builds a plugin: a MODULE library `nashost_<name>.so` (no "lib" prefix, hidden
# visibility so only the plugin descriptor escapes) in the host's plugin folder.
# ENTRY holds NASHOST_PLUGIN(...). When SOURCES are given they go into a static,
# position-independent `<name>_core` library that the module links and that tests can
# link directly to reach the plugin's internals.
# Works in-tree and out-of-tree (after find_package(nashost)).
include_guard(GLOBAL)

if(NOT DEFINED NASHOST_PLUGIN_OUTPUT_DIR)
  if(DEFINED NASHOST_BUILD_PLUGIN_DIR)
    set(NASHOST_PLUGIN_OUTPUT_DIR "${NASHOST_BUILD_PLUGIN_DIR}")
  else()
    set(NASHOST_PLUGIN_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins")
  endif()
endif()

function(nashost_add_plugin name)
  cmake_parse_arguments(ARG "" "ENTRY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_ENTRY)
    message(FATAL_ERROR "nashost_add_plugin(${name}): ENTRY <file with NASHOST_PLUGIN> is required")
  endif()
  if(TARGET nashost::sdk)
    set(_sdk nashost::sdk)
  else()
    message(FATAL_ERROR "nashost_add_plugin(${name}): call find_package(nashost) first")
  endif()

  add_library(${name} MODULE ${ARG_ENTRY})
  if(ARG_SOURCES)
    add_library(${name}_core STATIC ${ARG_SOURCES})
    set_target_properties(${name}_core PROPERTIES
      POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
    target_include_directories(${name}_core PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/src")
    target_link_libraries(${name}_core PUBLIC ${_sdk} ${ARG_LIBRARIES})
    target_link_libraries(${name} PRIVATE ${name}_core)
  else()
    target_link_libraries(${name} PRIVATE ${_sdk} ${ARG_LIBRARIES})
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "nashost_${name}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${NASHOST_PLUGIN_OUTPUT_DIR}")
  if(DEFINED NASHOST_INSTALL_PLUGIN_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION "${NASHOST_INSTALL_PLUGIN_DIR}")
  endif()
endfunction()
