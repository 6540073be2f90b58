# bench_usage_store: the usage log's write rates, submit() cost and range
# queries over a million rows. Include from bench/CMakeLists.txt.
qt_add_executable(bench_usage_store usage/bench_usage_store.cpp)
target_link_libraries(bench_usage_store PRIVATE Signalbox::Engine)
signalbox_target_defaults(bench_usage_store)
