# The gateway's upstream client (engine/gateway/upstream) against the fake
# provider on loopback. Included from tests/CMakeLists.txt.
signalbox_add_test(tst_upstream SOURCES upstream/tst_upstream.cpp
    LIBRARIES Signalbox::Engine signalbox_fake_provider LABELS gateway)
