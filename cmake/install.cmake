# `cmake --install`: bin/segrt, lib/libsegrt.so*, include/segrt/*.h, the CMake
# package (find_package(segrt CONFIG) -> segrt::segrt) and segrt.pc.
include(CMakePackageConfigHelpers)
set(SEGRT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/segrt)

install(TARGETS segrt_shared EXPORT segrtTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Devel
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS segrt RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Public headers: what include/segrt holds, plus the generated version.h. The
# image / segmentation headers only when the app is built in.
file(GLOB SEGRT_PUBLIC_HEADERS ${PROJECT_SOURCE_DIR}/include/segrt/*.h)
if(NOT "app" IN_LIST SEGRT_PARTS)
  list(FILTER SEGRT_PUBLIC_HEADERS EXCLUDE REGEX "/(image|segment|batch|stream)\\.h$")
endif()
install(FILES ${SEGRT_PUBLIC_HEADERS} ${PROJECT_BINARY_DIR}/include/segrt/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/segrt)

install(EXPORT segrtTargets NAMESPACE segrt:: DESTINATION ${SEGRT_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/segrtConfig.cmake.in
  ${PROJECT_BINARY_DIR}/segrtConfig.cmake INSTALL_DESTINATION ${SEGRT_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/segrtConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/segrtConfig.cmake ${PROJECT_BINARY_DIR}/segrtConfigVersion.cmake
        DESTINATION ${SEGRT_CMAKE_DIR})

# pkg-config: libdir/includedir relative to the prefix the .pc file sits under.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(SEGRT_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(SEGRT_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SEGRT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(SEGRT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/segrt.pc.in ${PROJECT_BINARY_DIR}/segrt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/segrt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
