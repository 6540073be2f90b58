# engine/usage: the usage log — record type, store interface, SQLite store,
# and the single writer thread that batches records into transactions.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/sqliteusagestore.cpp ${CMAKE_CURRENT_LIST_DIR}/sqliteusagestore.h
    ${CMAKE_CURRENT_LIST_DIR}/usagerecord.cpp ${CMAKE_CURRENT_LIST_DIR}/usagerecord.h
    ${CMAKE_CURRENT_LIST_DIR}/usagestore.h
    ${CMAKE_CURRENT_LIST_DIR}/usagewriter.cpp ${CMAKE_CURRENT_LIST_DIR}/usagewriter.h
    ${CMAKE_CURRENT_LIST_DIR}/writerpriority.cpp ${CMAKE_CURRENT_LIST_DIR}/writerpriority.h
)

# The hot insert goes through SQLite's C API on the connection Qt opened
# (docs/usage-log.md, "Cost of a row"). Only valid when Qt's QSQLITE driver
# uses the very SQLite library the engine links: true for distribution Qt
# (Debian, Fedora: the plugin links the system libsqlite3), not for Qt's own
# Windows/macOS builds, which compile a copy into the plugin. The store also
# checks at run time (same sqlite_source_id()) and otherwise binds through Qt.
if(UNIX AND NOT APPLE)
    find_package(SQLite3 QUIET)
    set(_signalbox_sqlite_c_api_default ${SQLite3_FOUND})
else()
    set(_signalbox_sqlite_c_api_default OFF)
endif()
option(SIGNALBOX_SQLITE_C_API "Write usage rows through SQLite's C API (Qt's QSQLITE must use the system SQLite)"
    ${_signalbox_sqlite_c_api_default})
if(SIGNALBOX_SQLITE_C_API)
    find_package(SQLite3 REQUIRED)
    target_link_libraries(signalbox_engine PRIVATE SQLite::SQLite3)
    target_compile_definitions(signalbox_engine PRIVATE SIGNALBOX_SQLITE_C_API)
endif()
