# signalbox_sandbox: the simulated OpenAI-compatible provider (engine/sandbox),
# the console's offline "sandbox provider" and the gateway tests' fake
# upstream. A library of its own, QtCore and QtNetwork only, that links
# nothing of signalbox_engine: the linker keeps it from sharing code (and so
# bugs) with engine/gateway, and the headless gateway never carries it.

qt_add_library(signalbox_sandbox STATIC
    sandbox/fakeconnection.cpp sandbox/fakeconnection.h
    sandbox/fakeprovider.cpp sandbox/fakeprovider.h
    sandbox/httprequest.cpp sandbox/httprequest.h
    sandbox/openaiwire.cpp sandbox/openaiwire.h
    sandbox/responseplan.cpp sandbox/responseplan.h
)
add_library(Signalbox::Sandbox ALIAS signalbox_sandbox)
target_include_directories(signalbox_sandbox PUBLIC "${PROJECT_SOURCE_DIR}")
target_link_libraries(signalbox_sandbox PUBLIC Qt6::Core Qt6::Network)
if(WIN32)
    target_link_libraries(signalbox_sandbox PRIVATE ws2_32) # setsockopt(SO_LINGER)
endif()
signalbox_target_defaults(signalbox_sandbox)
