# engine/gateway/upstream: the gateway's outbound HTTP client (UpstreamClient),
# libcurl's multi interface driven by the worker thread's Qt event loop. Owns
# connection reuse, timeouts, cancellation, backpressure and the DNS-rebinding
# guard for provider calls. See README.md here and docs/http-stack.md.
find_package(CURL REQUIRED)

target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/upstreamclient.cpp ${CMAKE_CURRENT_LIST_DIR}/upstreamclient.h
    ${CMAKE_CURRENT_LIST_DIR}/upstreamengine.cpp ${CMAKE_CURRENT_LIST_DIR}/upstreamengine.h
    ${CMAKE_CURRENT_LIST_DIR}/upstreamtransfer.cpp
)
target_link_libraries(signalbox_engine PUBLIC CURL::libcurl)
