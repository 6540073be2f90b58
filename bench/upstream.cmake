# bench_upstream: UpstreamClient (libcurl multi) against QNetworkAccessManager,
# both talking to the fake provider on loopback. The fake provider is test
# support code, so this benchmark exists only when the tests are built.
if(TARGET signalbox_fake_provider)
    qt_add_executable(bench_upstream gateway/bench_upstream.cpp)
    target_link_libraries(bench_upstream PRIVATE Signalbox::Engine signalbox_fake_provider Qt6::Network)
    signalbox_target_defaults(bench_upstream)
else()
    message(STATUS "bench_upstream needs SIGNALBOX_BUILD_TESTS=ON (it uses the fake provider); skipped")
endif()
