# Provider keys and secret redaction (engine/keys/providerkeys). Runs without a
# D-Bus session, as on servers and CI: keychain references must fail at once.
signalbox_add_test(tst_providerkeys SOURCES engine/tst_providerkeys.cpp
    LIBRARIES Signalbox::Engine LABELS engine)
set_property(TEST tst_providerkeys APPEND PROPERTY ENVIRONMENT "DBUS_SESSION_BUS_ADDRESS=")
