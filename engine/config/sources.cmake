# engine/config: the declarative configuration file (`signalbox-gateway config
# apply|export`): YAML in, validated with file:line:field errors, compared with
# the workspace, applied all or nothing through CatalogUserStore and
# VirtualKeyStore in one transaction; and the workspace written back as YAML.
# See docs/config.md. yaml-cpp (Debian: libyaml-cpp-dev) reads and writes YAML.
find_package(yaml-cpp CONFIG REQUIRED)
# yaml-cpp 0.8 (Homebrew, vcpkg) exports yaml-cpp::yaml-cpp; 0.7 (Debian 12) plain yaml-cpp.
if(TARGET yaml-cpp::yaml-cpp)
    set(SIGNALBOX_YAML_TARGET yaml-cpp::yaml-cpp)
else()
    set(SIGNALBOX_YAML_TARGET yaml-cpp)
endif()
if(TARGET ${SIGNALBOX_YAML_TARGET})
    # The static engine is linked in other directories (app, tests): make the
    # imported target visible there, as keys/providerkeys.cmake does for qtkeychain.
    get_target_property(_signalbox_yaml_imported ${SIGNALBOX_YAML_TARGET} IMPORTED)
    get_target_property(_signalbox_yaml_global ${SIGNALBOX_YAML_TARGET} IMPORTED_GLOBAL)
    if(_signalbox_yaml_imported AND NOT _signalbox_yaml_global)
        set_target_properties(${SIGNALBOX_YAML_TARGET} PROPERTIES IMPORTED_GLOBAL TRUE)
    endif()
endif()

target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/configdocument.h
    ${CMAKE_CURRENT_LIST_DIR}/configparser.cpp ${CMAKE_CURRENT_LIST_DIR}/configparser.h
    ${CMAKE_CURRENT_LIST_DIR}/configprice.cpp ${CMAKE_CURRENT_LIST_DIR}/configprice.h
    ${CMAKE_CURRENT_LIST_DIR}/configplan.cpp ${CMAKE_CURRENT_LIST_DIR}/configplan.h
    ${CMAKE_CURRENT_LIST_DIR}/configapply.cpp ${CMAKE_CURRENT_LIST_DIR}/configapply.h
    ${CMAKE_CURRENT_LIST_DIR}/configexport.cpp ${CMAKE_CURRENT_LIST_DIR}/configexport.h
    ${CMAKE_CURRENT_LIST_DIR}/yamlreader.cpp ${CMAKE_CURRENT_LIST_DIR}/yamlreader.h
    ${CMAKE_CURRENT_LIST_DIR}/yamlload.cpp ${CMAKE_CURRENT_LIST_DIR}/yamlload.h
)
target_link_libraries(signalbox_engine PRIVATE ${SIGNALBOX_YAML_TARGET})
