# signalbox-gateway price: re-pricing JSON Lines usage records, driven as a subprocess.
signalbox_add_test(tst_cli_price SOURCES cli/tst_cli_price.cpp
    LIBRARIES Signalbox::Engine signalbox_test_support LABELS cli TIMEOUT 60)
target_compile_definitions(tst_cli_price PRIVATE SIGNALBOX_GATEWAY_BIN="$<TARGET_FILE:signalbox-gateway>")
add_dependencies(tst_cli_price signalbox-gateway)
