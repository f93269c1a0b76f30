# Installs the SDK as a CMake package so out-of-tree plugins can
#   find_package(nashost CONFIG REQUIRED)
#   nashost_add_plugin(my_plugin ENTRY my_plugin.cpp)
include(CMakePackageConfigHelpers)

# The installed library keeps the path to LibTorch's libraries (the .venv wheel): a plugin or
# test that uses only the SDK's API, never ATen directly, has no libc10 of its own to find it by.
get_filename_component(_nashost_torch_lib "${TORCH_LIBRARY}" DIRECTORY)
set_target_properties(nashost_sdk PROPERTIES INSTALL_RPATH "${_nashost_torch_lib}")
install(TARGETS nashost_sdk EXPORT nashostTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${CMAKE_SOURCE_DIR}/sdk/include/nashost" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES "${CMAKE_BINARY_DIR}/sdk/include/nashost/export.hpp" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nashost)
install(DIRECTORY "${NASHOST_FMT_SHIM_DIR}/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nashost-shim)
install(EXPORT nashostTargets NAMESPACE nashost:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nashost)

# The LibTorch this SDK was built against; plugins must use the same one.
set(NASHOST_TORCH_DIR "${Torch_DIR}")
configure_package_config_file("${CMAKE_SOURCE_DIR}/cmake/nashostConfig.cmake.in"
  "${CMAKE_BINARY_DIR}/nashostConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nashost)
write_basic_package_version_file("${CMAKE_BINARY_DIR}/nashostConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_BINARY_DIR}/nashostConfig.cmake"
  "${CMAKE_BINARY_DIR}/nashostConfigVersion.cmake"
  "${CMAKE_SOURCE_DIR}/cmake/NashostPlugin.cmake"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nashost)
