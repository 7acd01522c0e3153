# The Debian package: `cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr (scripts/package-test.sh does both). It holds
# what `cmake --install` lays out: confluentd in /usr/sbin, the tools in
# /usr/bin, the unit in /usr/lib/systemd/system, the man pages and
# /etc/confluent/confluent.toml as a conffile. No maintainer scripts: it
# enables and starts nothing.
set(CPACK_PACKAGE_NAME confluent-collective)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "confluent-collective maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "collective mode of a cluster management server (confluentd and its tools)")
set(CPACK_PACKAGE_DESCRIPTION
    "Several management servers act as one: confluentd orders every configuration change\n"
    "through a replicated log; collective, nodeattrib, nodelist, nodepower and the other\n"
    "tools talk to the local confluentd.")
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
# The unit's ExecStart was filled in from CMAKE_INSTALL_PREFIX: package there.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# Depends from the binaries' libraries (dpkg-shlibdeps: libssh, Botan, Boost,
# FreeIPMI, libstdc++, ...), so apt resolves them on a fresh system.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles "${CC_CONF_DIR}/confluent.toml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/debian/conffiles)
# A .deb under /usr/local would start a binary its unit does not name.
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/debian/cpack-checks.cmake)
file(WRITE ${CPACK_PROJECT_CONFIG_FILE}
     "if(CPACK_GENERATOR STREQUAL \"DEB\" AND NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL \"/usr\")\n"
     "  message(FATAL_ERROR \"the .deb needs a build configured with -DCMAKE_INSTALL_PREFIX=/usr \"\n"
     "                      \"(this one: \${CPACK_PACKAGING_INSTALL_PREFIX})\")\n"
     "endif()\n")
include(CPack)
