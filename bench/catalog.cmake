# bench_catalog: loading the bundled model catalog. Include from bench/CMakeLists.txt.
qt_add_executable(bench_catalog catalog/bench_catalog.cpp)
target_link_libraries(bench_catalog PRIVATE Signalbox::Engine)
signalbox_target_defaults(bench_catalog)
