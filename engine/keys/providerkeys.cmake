# engine/keys: provider API keys — resolved from an environment variable, a
# key file or the system keychain — and redaction of secrets from text. See
# docs/provider-keys.md.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/providerkeys.cpp ${CMAKE_CURRENT_LIST_DIR}/providerkeys.h
    ${CMAKE_CURRENT_LIST_DIR}/redaction.cpp
)

# The system keychain through qtkeychain (Debian: qtkeychain-qt6-dev). Optional:
# without it, keychain references answer "keychain-unavailable".
option(SIGNALBOX_KEYCHAIN "Use the system keychain (qtkeychain) when it is installed" ON)
set(_signalbox_have_keychain 0)
if(SIGNALBOX_KEYCHAIN)
    find_package(Qt6Keychain CONFIG QUIET)
    if(TARGET qt6keychain)
        # The package's Qt6Keychain::Qt6Keychain alias is only visible in this
        # directory; the imported target, made global, can be resolved where
        # the static engine is finally linked (tests, app, gateway).
        get_target_property(_signalbox_keychain_global qt6keychain IMPORTED_GLOBAL)
        if(NOT _signalbox_keychain_global)
            set_target_properties(qt6keychain PROPERTIES IMPORTED_GLOBAL TRUE)
        endif()
        target_link_libraries(signalbox_engine PRIVATE qt6keychain)
        set(_signalbox_have_keychain 1)
    endif()
endif()
set_property(SOURCE ${CMAKE_CURRENT_LIST_DIR}/providerkeys.cpp APPEND PROPERTY
    COMPILE_DEFINITIONS SIGNALBOX_HAVE_KEYCHAIN=${_signalbox_have_keychain})
message(STATUS "System keychain (qtkeychain): ${_signalbox_have_keychain}")
