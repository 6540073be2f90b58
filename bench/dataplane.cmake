# The gateway data plane's benchmarks. signalbox_loadgen: a lean HTTP/1.1 load
# generator (epoll, raw sockets, Debian's http-parser) that the gateway
# benchmarks link; bench_loadgen_selftest runs it against the fake provider.
find_package(HttpParser REQUIRED)

add_library(signalbox_loadgen STATIC gateway/loadgen.cpp gateway/loadgen.h
    gateway/loadgen_idle.cpp gateway/loadgen_p.h)
target_include_directories(signalbox_loadgen PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(signalbox_loadgen PUBLIC Qt6::Core Qt6::Network PRIVATE HttpParser::HttpParser)
signalbox_target_defaults(signalbox_loadgen)

# The fake provider is built with the tests (SIGNALBOX_BUILD_TESTS).
if(TARGET signalbox_fake_provider)
    qt_add_executable(bench_loadgen_selftest gateway/bench_loadgen_selftest.cpp)
    target_link_libraries(bench_loadgen_selftest PRIVATE signalbox_loadgen signalbox_fake_provider)
    signalbox_target_defaults(bench_loadgen_selftest)
endif()

# The gateway's own cost: direct vs through the real binary (issue targets).
if(TARGET signalbox-fake-provider)
    qt_add_executable(bench_gateway_overhead gateway/bench_gateway_overhead.cpp)
    target_link_libraries(bench_gateway_overhead PRIVATE signalbox_loadgen Signalbox::Engine)
    target_compile_definitions(bench_gateway_overhead PRIVATE
        SIGNALBOX_GATEWAY_BIN="$<TARGET_FILE:signalbox-gateway>"
        SIGNALBOX_FAKE_PROVIDER_BIN="$<TARGET_FILE:signalbox-fake-provider>")
    add_dependencies(bench_gateway_overhead signalbox-gateway signalbox-fake-provider)
    signalbox_target_defaults(bench_gateway_overhead)
endif()
