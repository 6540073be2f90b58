# The gateway's suites. The raw HTTP client comes from the fake provider's
# library (tests/support/fakeprovider), which shares no code with the gateway.
signalbox_add_test(tst_httpserver SOURCES integration/tst_httpserver.cpp
    LIBRARIES Signalbox::Engine signalbox_fake_provider LABELS gateway)
