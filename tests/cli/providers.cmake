# signalbox-gateway providers / models, driven as a subprocess against the
# fake provider binary.
signalbox_add_test(tst_cli_providers SOURCES cli/tst_cli_providers.cpp
    LIBRARIES Signalbox::Engine signalbox_test_support LABELS cli integration TIMEOUT 120)
target_compile_definitions(tst_cli_providers PRIVATE
    SIGNALBOX_GATEWAY_BIN="$<TARGET_FILE:signalbox-gateway>"
    SIGNALBOX_FAKE_PROVIDER_BIN="$<TARGET_FILE:signalbox-fake-provider>")
add_dependencies(tst_cli_providers signalbox-gateway signalbox-fake-provider)
