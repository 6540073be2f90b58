# The admin chain end to end: init, providers add, keys create, serve, a chat
# through it, usage export; status; reloads while requests stream.
signalbox_add_test(tst_cli_admin SOURCES cli/tst_cli_admin.cpp
    LIBRARIES Signalbox::Engine signalbox_test_support LABELS cli integration TIMEOUT 180)
target_compile_definitions(tst_cli_admin PRIVATE
    SIGNALBOX_GATEWAY_BIN="$<TARGET_FILE:signalbox-gateway>"
    SIGNALBOX_FAKE_PROVIDER_BIN="$<TARGET_FILE:signalbox-fake-provider>")
add_dependencies(tst_cli_admin signalbox-gateway signalbox-fake-provider)
