# The gateway's data plane: pure parts, then the whole gateway over loopback.
signalbox_add_test(tst_dataplane_units SOURCES gateway/tst_dataplane_units.cpp gateway/dataplane_samples.h
    LIBRARIES Signalbox::Engine signalbox_test_support LABELS gateway)
