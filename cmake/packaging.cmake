# The Debian packages, built by CPack from a build folder (docs/debian.md):
#
#   cd build && cpack -G DEB
#
# plugin-host      the `server` component, plus what only a system install has: the
#                  configuration as /etc/plugin-host/server.ini (a conffile), the systemd
#                  unit, the maintainer scripts that make the user plugin-host, and the docs.
# plugin-host-dev  the `dev` component: the contract header and the CMake package PluginHost.
#
# The system-install files are EXCLUDE_FROM_ALL: `cmake --install build --prefix P` installs
# the two components into P as before and never writes to /etc or /lib.

set(plugin_host_debian_dir ${PROJECT_SOURCE_DIR}/packaging/debian)
set(plugin_host_packaging_out ${PROJECT_BINARY_DIR}/packaging)
# The prefix the packages install under; relative install destinations land below it.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(plugin_host_packaged_plugin_dir ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/plugin-host/plugins)

# ---- /etc/plugin-host/server.ini: config/server.ini with each `library` in the plugin folder ----

set(source_ini ${PROJECT_SOURCE_DIR}/config/server.ini)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${source_ini} ${plugin_host_debian_dir}/changelog)
file(READ ${source_ini} ini)
string(REGEX REPLACE "(\n[ \t]*library[ \t]*=[ \t]*)[^\n]*/([^/\n]+)" "\\1${plugin_host_packaged_plugin_dir}/\\2"
    ini "${ini}")
string(REGEX MATCHALL "\n[ \t]*library[ \t]*=[^\n]*" library_lines "${ini}")
if(NOT library_lines)
    message(FATAL_ERROR "cmake/packaging.cmake: ${source_ini} names no plugin library")
endif()
foreach(line IN LISTS library_lines)
    string(REGEX REPLACE "^\n[ \t]*library[ \t]*=[ \t]*(.*[^ \t])[ \t]*$" "\\1" library "${line}")
    cmake_path(GET library FILENAME file_name)
    cmake_path(GET library PARENT_PATH folder)
    string(REGEX REPLACE "\\.so$" "" plugin "${file_name}")
    if(NOT folder STREQUAL plugin_host_packaged_plugin_dir OR NOT plugin IN_LIST plugin_host_seed_plugins)
        message(FATAL_ERROR "cmake/packaging.cmake: ${source_ini} names the plugin library ${library}, "
            "which the package does not install (it installs ${plugin_host_seed_plugins} into ${plugin_host_packaged_plugin_dir})")
    endif()
endforeach()
file(WRITE ${plugin_host_packaging_out}/server.ini "${ini}")

# ---- The manual page; the Debian changelog and copyright, in each package's doc folder ----

file(STRINGS ${plugin_host_debian_dir}/changelog changelog_head LIMIT_COUNT 1)
if(NOT changelog_head MATCHES "^plugin-host \\(${PROJECT_VERSION}\\) ")
    message(FATAL_ERROR "cmake/packaging.cmake: packaging/debian/changelog begins \"${changelog_head}\"; "
        "its first entry must be for the project's version ${PROJECT_VERSION}")
endif()
configure_file(${plugin_host_debian_dir}/plugin-host.1.in ${plugin_host_packaging_out}/plugin-host.1 @ONLY)
# gzip -n: no name or time stamp inside, so the same text gives the same bytes.
foreach(file IN ITEMS ${plugin_host_debian_dir}/changelog ${plugin_host_packaging_out}/plugin-host.1)
    cmake_path(GET file FILENAME name)
    execute_process(COMMAND gzip -9 -n -c ${file}
        OUTPUT_FILE ${plugin_host_packaging_out}/${name}.gz COMMAND_ERROR_IS_FATAL ANY)
endforeach()
install(FILES ${plugin_host_packaging_out}/plugin-host.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
    COMPONENT server EXCLUDE_FROM_ALL)

set(doc_files ${plugin_host_debian_dir}/copyright ${plugin_host_packaging_out}/changelog.gz)
install(FILES ${doc_files} DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/plugin-host COMPONENT server EXCLUDE_FROM_ALL)
install(FILES ${doc_files} DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/plugin-host-dev COMPONENT dev EXCLUDE_FROM_ALL)
# The pages an administrator reads, with README.md above docs/ as in the tree so the links hold.
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/plugin-host COMPONENT server EXCLUDE_FROM_ALL)
file(GLOB doc_pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${doc_pages} DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/plugin-host/docs COMPONENT server EXCLUDE_FROM_ALL)

# ---- The system-install files ----

install(FILES ${plugin_host_packaging_out}/server.ini DESTINATION /etc/plugin-host COMPONENT server EXCLUDE_FROM_ALL)
# /lib, not /usr/lib: where bookworm's systemd and debhelper keep package units.
install(FILES ${plugin_host_debian_dir}/plugin-host.service DESTINATION /lib/systemd/system
    COMPONENT server EXCLUDE_FROM_ALL)

# ---- CPack ----

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME plugin-host)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Each package's first description line is its summary; an empty project-wide summary keeps
# CPack from putting the project's description above both.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGE_CONTACT "plugin-host maintainers <maintainers@users.noreply.r-seed-f29fde0a.example>")
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_COMPONENTS_ALL server dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME plugin-host)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION httpd)
# Depends: what dpkg-shlibdeps finds the binaries link (Poco, libsystemd0, libstdc++, ...),
# plus adduser for postinst and procps for the unit's /bin/kill.
set(CPACK_DEBIAN_SERVER_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${plugin_host_debian_dir}/conffiles ${plugin_host_debian_dir}/postinst
    ${plugin_host_debian_dir}/prerm ${plugin_host_debian_dir}/postrm)
set(CPACK_DEBIAN_SERVER_DESCRIPTION "HTTP server whose endpoints are hot-swappable plugins
plugin-host serves HTTP endpoints provided by plugins: shared objects listed in
/etc/plugin-host/server.ini, loaded through Boost.DLL and replaced while the
server runs without failing a request. It runs as the systemd service
plugin-host.service under the system user plugin-host, and ships three seed
plugins (POST /first, /second, /third).")

# The SDK needs the host itself (PluginHostConfig.cmake checks for /usr/bin/plugin-host),
# Boost's headers (the contract includes Boost.DLL) and nlohmann/json's (PluginHost::plugin_api
# links it for plugins; bookworm has 3.11, what the SDK is built and tested with); a server
# needs neither a compiler's headers nor these, so they are a package of their own.
set(CPACK_DEBIAN_DEV_PACKAGE_NAME plugin-host-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "plugin-host (= ${PROJECT_VERSION}), libboost-dev (>= 1.74), nlohmann-json3-dev (>= 3.11)")
set(CPACK_DEBIAN_DEV_DESCRIPTION "SDK for plugin-host plugins: the contract header and CMake package
The header plugin_api/endpoint_plugin.hpp, the contract every plugin-host
plugin implements, and the CMake package PluginHost, so that a plugin is built
outside plugin-host's sources with find_package(PluginHost 2) and
plugin_host_add_plugin(<name> <source>...); nlohmann/json comes with it.")

include(CPack)
