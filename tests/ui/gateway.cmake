# The console's own gateway and sandbox provider (ui/gateway): real widgets
# (offscreen), real loopback HTTP, a real workspace database.
signalbox_add_test(tst_consolegateway SOURCES ui/tst_consolegateway.cpp
    LIBRARIES Signalbox::Ui Signalbox::Sandbox Qt6::Network LABELS ui integration TIMEOUT 180)
# `signalbox-gateway status` finds the console's gateway (gateway.json).
target_compile_definitions(tst_consolegateway PRIVATE SIGNALBOX_GATEWAY_BIN="$<TARGET_FILE:signalbox-gateway>")
target_include_directories(tst_consolegateway PRIVATE ${PROJECT_SOURCE_DIR})
add_dependencies(tst_consolegateway signalbox-gateway)
