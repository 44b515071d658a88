# cmake --install: headers, libraries, the basin binary, a CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/basin DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS basin_util basin_store basin_s3 basin_store_url basin_log basin_table
        EXPORT basinTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS basin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT basinTargets NAMESPACE basin::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/basin)

configure_package_config_file(cmake/basinConfig.cmake.in
  ${PROJECT_BINARY_DIR}/basinConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/basin)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/basinConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/basinConfig.cmake
              ${PROJECT_BINARY_DIR}/basinConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/basin)

# The .pc file finds its prefix relative to itself, so the install tree can move.
file(RELATIVE_PATH BASIN_PC_UP /x/${CMAKE_INSTALL_LIBDIR}/pkgconfig /x)
# basin: the layers without S3; basin-s3: the S3 store and the URL opener on top of it.
configure_file(cmake/basin.pc.in ${PROJECT_BINARY_DIR}/basin.pc @ONLY)
configure_file(cmake/basin-s3.pc.in ${PROJECT_BINARY_DIR}/basin-s3.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/basin.pc ${PROJECT_BINARY_DIR}/basin-s3.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
