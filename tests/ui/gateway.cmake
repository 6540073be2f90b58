# The console's own gateway and sandbox provider (ui/gateway): real widgets
# (offscreen), real loopback HTTP, a real workspace database.
signalbox_add_test(tst_consolegateway SOURCES ui/tst_consolegateway.cpp
    LIBRARIES Signalbox::Ui Signalbox::Sandbox Qt6::Network LABELS ui integration TIMEOUT 180)
