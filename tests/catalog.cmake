# The model catalog (engine/catalog): importers, canonical naming, the merge
# and the bundled snapshot. Included from tests/CMakeLists.txt.

# The public source files the snapshot is built from, when checked out next
# to this repository (../shared/catalog); the tests that need them skip
# otherwise.
set(_signalbox_shared_catalog "${PROJECT_SOURCE_DIR}/../shared/catalog")
get_filename_component(_signalbox_shared_catalog "${_signalbox_shared_catalog}" ABSOLUTE)

foreach(_suite catalogimport catalognaming catalogmerge catalogsnapshot)
    signalbox_add_test(tst_${_suite} SOURCES engine/tst_${_suite}.cpp
        LIBRARIES Signalbox::Engine LABELS engine catalog)
    target_compile_definitions(tst_${_suite} PRIVATE
        SIGNALBOX_SHARED_CATALOG_DIR="${_signalbox_shared_catalog}")
endforeach()
