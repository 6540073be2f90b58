# engine/catalog: providers, canonical models and their offerings; the
# models.dev and OpenRouter importers, the merge with the genai-prices price
# book, and the bundled snapshot. See engine/catalog/README.md.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/build.cpp
    ${CMAKE_CURRENT_LIST_DIR}/catalog.cpp ${CMAKE_CURRENT_LIST_DIR}/catalog.h
    ${CMAKE_CURRENT_LIST_DIR}/importers.h
    ${CMAKE_CURRENT_LIST_DIR}/jsonreader.cpp ${CMAKE_CURRENT_LIST_DIR}/jsonreader.h
    ${CMAKE_CURRENT_LIST_DIR}/merge.cpp ${CMAKE_CURRENT_LIST_DIR}/merge.h
    ${CMAKE_CURRENT_LIST_DIR}/modelsdev.cpp
    ${CMAKE_CURRENT_LIST_DIR}/naming.cpp ${CMAKE_CURRENT_LIST_DIR}/naming.h
    ${CMAKE_CURRENT_LIST_DIR}/openrouter.cpp
    ${CMAKE_CURRENT_LIST_DIR}/providers.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pricecodec.cpp ${CMAKE_CURRENT_LIST_DIR}/pricecodec.h
    ${CMAKE_CURRENT_LIST_DIR}/snapshot.cpp ${CMAKE_CURRENT_LIST_DIR}/snapshot.h
)

# The bundled catalog: :/signalbox/catalog/<file>. The snapshot is generated
# by scripts/refresh-catalog.sh; a checkout without it (the very first run of
# that script) still builds, and Catalog::loadBundled() reports it missing.
set(_signalbox_catalog_dir "${PROJECT_SOURCE_DIR}/resources/catalog")
set(_signalbox_catalog_files
    "${_signalbox_catalog_dir}/aliases.json"
    "${_signalbox_catalog_dir}/origins.json"
    "${_signalbox_catalog_dir}/providers.json")
if(EXISTS "${_signalbox_catalog_dir}/catalog.sbcat")
    list(APPEND _signalbox_catalog_files "${_signalbox_catalog_dir}/catalog.sbcat")
else()
    message(WARNING "resources/catalog/catalog.sbcat is missing: run scripts/refresh-catalog.sh")
    # Configure again once the script has written it.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_signalbox_catalog_dir}")
endif()
qt_add_resources(signalbox_engine "signalbox_catalog"
    PREFIX "/signalbox"
    BASE "${PROJECT_SOURCE_DIR}/resources"
    FILES ${_signalbox_catalog_files}
)

# The converter behind scripts/refresh-catalog.sh. A tool, not part of the product.
qt_add_executable(signalbox-catalog-convert ${CMAKE_CURRENT_LIST_DIR}/tools/catalogconvert.cpp)
target_link_libraries(signalbox-catalog-convert PRIVATE signalbox_engine)
signalbox_target_defaults(signalbox-catalog-convert)
