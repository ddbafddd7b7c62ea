# Installs the library, its public headers, a CMake package (find_package(openfle), target
# openfle::openfle) and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS openfle EXPORT openfleTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/openfle DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT openfleTargets NAMESPACE openfle:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openfle)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/openfleConfig.cmake.in
  ${PROJECT_BINARY_DIR}/openfleConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openfle)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/openfleConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/openfleConfig.cmake ${PROJECT_BINARY_DIR}/openfleConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openfle)

# The .pc file finds the prefix relative to itself, so it works wherever the tree is installed.
file(RELATIVE_PATH OPENFLE_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/openfle.pc.in ${PROJECT_BINARY_DIR}/openfle.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/openfle.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
