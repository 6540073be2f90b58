# engine/catalog user data: custom providers, offerings, price overrides and
# aliases kept in the workspace database and applied over every catalog; the
# URL policy for requests made on the user's behalf; refreshing the catalog
# from OpenRouter. See docs/catalog-user-data.md.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/priceschedulejson.cpp ${CMAKE_CURRENT_LIST_DIR}/priceschedulejson.h
    ${CMAKE_CURRENT_LIST_DIR}/refresh.cpp ${CMAKE_CURRENT_LIST_DIR}/refresh.h
    ${CMAKE_CURRENT_LIST_DIR}/urlpolicy.cpp ${CMAKE_CURRENT_LIST_DIR}/urlpolicy.h
    ${CMAKE_CURRENT_LIST_DIR}/userdata.cpp ${CMAKE_CURRENT_LIST_DIR}/userdata.h
    ${CMAKE_CURRENT_LIST_DIR}/userstore.cpp ${CMAKE_CURRENT_LIST_DIR}/userstore.h
    ${CMAKE_CURRENT_LIST_DIR}/userstoresql.h
)
