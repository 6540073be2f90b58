# engine/gateway/metrics: the gateway's Prometheus registry (GET /metrics) and
# the text exposition format it renders.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/metrics/exposition.cpp ${CMAKE_CURRENT_LIST_DIR}/metrics/exposition.h
    ${CMAKE_CURRENT_LIST_DIR}/metrics/gatewaymetrics.cpp ${CMAKE_CURRENT_LIST_DIR}/metrics/gatewaymetrics.h
)
