# Catalog user data, URL policy and refresh suites. The loopback HTTP server
# they share is a small library of its own (tests/support/loopbackhttp.*).

qt_add_library(signalbox_test_loopbackhttp STATIC
    support/loopbackhttp.cpp support/loopbackhttp.h
)
target_include_directories(signalbox_test_loopbackhttp PUBLIC "${PROJECT_SOURCE_DIR}")
target_link_libraries(signalbox_test_loopbackhttp PUBLIC Qt6::Core Qt6::Network)
signalbox_target_defaults(signalbox_test_loopbackhttp)

signalbox_add_test(tst_userstore SOURCES engine/tst_userstore.cpp engine/userdatafixture.h
    LIBRARIES Signalbox::Engine LABELS catalog)
signalbox_add_test(tst_userdata SOURCES engine/tst_userdata.cpp engine/userdatafixture.h
    LIBRARIES Signalbox::Engine LABELS catalog)
signalbox_add_test(tst_urlpolicy SOURCES engine/tst_urlpolicy.cpp
    LIBRARIES Signalbox::Engine signalbox_test_loopbackhttp LABELS catalog)
signalbox_add_test(tst_refresh SOURCES engine/tst_refresh.cpp
    LIBRARIES Signalbox::Engine signalbox_test_loopbackhttp LABELS catalog)
