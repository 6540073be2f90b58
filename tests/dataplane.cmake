# The gateway's data plane: pure parts, then the whole gateway over loopback.
signalbox_add_test(tst_dataplane_units SOURCES gateway/tst_dataplane_units.cpp gateway/dataplane_samples.h
    LIBRARIES Signalbox::Engine signalbox_test_support LABELS gateway)
signalbox_add_test(tst_dataplane SOURCES gateway/tst_dataplane.cpp
    LIBRARIES Signalbox::Engine signalbox_test_support signalbox_fake_provider LABELS gateway integration TIMEOUT 300)
signalbox_add_test(tst_gatewaykill SOURCES integration/tst_gatewaykill.cpp
    LIBRARIES Signalbox::Engine signalbox_fake_provider LABELS gateway integration TIMEOUT 120)
target_compile_definitions(tst_gatewaykill PRIVATE SIGNALBOX_GATEWAY_BIN="$<TARGET_FILE:signalbox-gateway>")
add_dependencies(tst_gatewaykill signalbox-gateway)
