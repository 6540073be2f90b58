# The usage log's suites: the SQLite store, and the writer, including a
# kill -9 crash-window test that drives usage_crash_child (a real writer in a
# process of its own) and reads the database it leaves behind.

signalbox_add_test(tst_usagestore SOURCES usage/tst_usagestore.cpp
    LIBRARIES Signalbox::Engine LABELS usage)

qt_add_executable(usage_crash_child usage/usage_crash_child.cpp)
target_link_libraries(usage_crash_child PRIVATE Signalbox::Engine)
signalbox_target_defaults(usage_crash_child)

signalbox_add_test(tst_usagewriter SOURCES usage/tst_usagewriter.cpp
    LIBRARIES Signalbox::Engine LABELS usage TIMEOUT 180)
target_compile_definitions(tst_usagewriter PRIVATE
    SIGNALBOX_USAGE_CRASH_CHILD="$<TARGET_FILE:usage_crash_child>")
add_dependencies(tst_usagewriter usage_crash_child)
