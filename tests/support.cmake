# The fake OpenAI-compatible provider. The server itself is product code now
# (engine/sandbox, library signalbox_sandbox: the console's sandbox provider);
# tests/support/fakeprovider keeps what only tests need: headers that show it
# as signalbox::testing, the raw HTTP client, the small executable for demos
# and manual gateway runs, and its suites. None of it depends on
# engine/gateway, so the fake and the gateway cannot share a bug.

qt_add_library(signalbox_fake_provider STATIC
    support/fakeprovider/fakeprovider.h
    support/fakeprovider/httprequest.h
    support/fakeprovider/openaiwire.h
    support/fakeprovider/responseplan.h
    support/fakeprovider/rawhttpclient.cpp support/fakeprovider/rawhttpclient.h
)
target_include_directories(signalbox_fake_provider PUBLIC "${PROJECT_SOURCE_DIR}")
target_link_libraries(signalbox_fake_provider PUBLIC Signalbox::Sandbox Qt6::Core Qt6::Network)
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
