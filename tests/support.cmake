# The fake OpenAI-compatible provider (tests/support/fakeprovider): a library
# for gateway tests, a small executable for offline demos, and its own suite.
# It depends on Qt only (the executable also on engine/core for signals), never
# on engine/gateway, so the fake and the gateway cannot share a bug.

qt_add_library(signalbox_fake_provider STATIC
    support/fakeprovider/fakeconnection.cpp support/fakeprovider/fakeconnection.h
    support/fakeprovider/fakeprovider.cpp support/fakeprovider/fakeprovider.h
    support/fakeprovider/httprequest.cpp support/fakeprovider/httprequest.h
    support/fakeprovider/openaiwire.cpp support/fakeprovider/openaiwire.h
    support/fakeprovider/rawhttpclient.cpp support/fakeprovider/rawhttpclient.h
    support/fakeprovider/responseplan.cpp support/fakeprovider/responseplan.h
)
target_include_directories(signalbox_fake_provider PUBLIC "${PROJECT_SOURCE_DIR}")
target_link_libraries(signalbox_fake_provider PUBLIC Qt6::Core Qt6::Network)
if(WIN32)
    target_link_libraries(signalbox_fake_provider PRIVATE ws2_32) # setsockopt(SO_LINGER)
endif()
signalbox_target_defaults(signalbox_fake_provider)

qt_add_executable(signalbox-fake-provider support/fakeprovider/main.cpp)
target_link_libraries(signalbox-fake-provider PRIVATE signalbox_fake_provider Signalbox::Engine)
signalbox_target_defaults(signalbox-fake-provider)

signalbox_add_test(tst_fakeprovider SOURCES support/fakeprovider/tst_fakeprovider.cpp
    LIBRARIES signalbox_fake_provider LABELS support)
signalbox_add_test(tst_fakeprovider_faults SOURCES support/fakeprovider/tst_fakeprovider_faults.cpp
    LIBRARIES signalbox_fake_provider LABELS support)
target_compile_definitions(tst_fakeprovider PRIVATE
    SIGNALBOX_FAKE_PROVIDER_BIN="$<TARGET_FILE:signalbox-fake-provider>")
add_dependencies(tst_fakeprovider signalbox-fake-provider)
