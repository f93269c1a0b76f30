# Installs the SDK as a CMake package so out-of-tree plugins can
#   find_package(nashost CONFIG REQUIRED)
#   nashost_add_plugin(my_plugin ENTRY my_plugin.cpp)
include(CMakePackageConfigHelpers)

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
