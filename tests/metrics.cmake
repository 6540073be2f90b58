# The gateway's Prometheus registry (engine/gateway/metrics). prometheustext.*
# parses the text format back, as a Prometheus server would.
signalbox_add_test(tst_gatewaymetrics
    SOURCES gateway/tst_gatewaymetrics.cpp gateway/prometheustext.cpp gateway/prometheustext.h
    LIBRARIES Signalbox::Engine LABELS gateway)
