# signalbox-gateway usage tail / export, driven as a subprocess on a usage log
# written through the real SqliteUsageStore.
signalbox_add_test(tst_cli_usage SOURCES cli/tst_cli_usage.cpp
    LIBRARIES Signalbox::Engine signalbox_test_support LABELS cli TIMEOUT 90)
target_compile_definitions(tst_cli_usage PRIVATE SIGNALBOX_GATEWAY_BIN="$<TARGET_FILE:signalbox-gateway>")
add_dependencies(tst_cli_usage signalbox-gateway)
