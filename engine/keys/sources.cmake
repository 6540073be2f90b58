# engine/keys: virtual keys (hashed) for the gateway's clients.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/virtualkeys.cpp ${CMAKE_CURRENT_LIST_DIR}/virtualkeys.h
)
