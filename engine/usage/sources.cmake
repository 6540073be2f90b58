# engine/usage: the usage log — record type, store interface, SQLite store,
# and the single writer thread that batches records into transactions.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/sqliteusagestore.cpp ${CMAKE_CURRENT_LIST_DIR}/sqliteusagestore.h
    ${CMAKE_CURRENT_LIST_DIR}/usagerecord.cpp ${CMAKE_CURRENT_LIST_DIR}/usagerecord.h
    ${CMAKE_CURRENT_LIST_DIR}/usagestore.h
    ${CMAKE_CURRENT_LIST_DIR}/usagewriter.cpp ${CMAKE_CURRENT_LIST_DIR}/usagewriter.h
)
