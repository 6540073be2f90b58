# engine/gateway: the local OpenAI/OpenRouter-compatible gateway. So far the
# inbound HTTP/1.1 server layer (http/), built on Debian's http-parser.
find_package(HttpParser REQUIRED)

target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/gateway.cpp ${CMAKE_CURRENT_LIST_DIR}/gateway.h
    ${CMAKE_CURRENT_LIST_DIR}/configreloader.cpp ${CMAKE_CURRENT_LIST_DIR}/configreloader.h
    ${CMAKE_CURRENT_LIST_DIR}/runtimefile.cpp ${CMAKE_CURRENT_LIST_DIR}/runtimefile.h
    ${CMAKE_CURRENT_LIST_DIR}/http/httpconnection.cpp ${CMAKE_CURRENT_LIST_DIR}/http/httpconnection.h
    ${CMAKE_CURRENT_LIST_DIR}/http/httphandler.h
    ${CMAKE_CURRENT_LIST_DIR}/http/httplimits.cpp ${CMAKE_CURRENT_LIST_DIR}/http/httplimits.h
    ${CMAKE_CURRENT_LIST_DIR}/http/httprequest.h
    ${CMAKE_CURRENT_LIST_DIR}/http/httprequestparser.cpp ${CMAKE_CURRENT_LIST_DIR}/http/httprequestparser.h
    ${CMAKE_CURRENT_LIST_DIR}/http/httpresponder.cpp ${CMAKE_CURRENT_LIST_DIR}/http/httpresponder.h
    ${CMAKE_CURRENT_LIST_DIR}/http/httpserver.cpp ${CMAKE_CURRENT_LIST_DIR}/http/httpserver.h
    ${CMAKE_CURRENT_LIST_DIR}/http/httpworker.cpp ${CMAKE_CURRENT_LIST_DIR}/http/httpworker.h
)
# PUBLIC: httprequestparser.h includes <http_parser.h>.
target_link_libraries(signalbox_engine PUBLIC HttpParser::HttpParser)
# The data plane: request parsing, JSON splicing, SSE, routing, the relay.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/dataplane/chatexchange.cpp ${CMAKE_CURRENT_LIST_DIR}/dataplane/chatexchange.h
    ${CMAKE_CURRENT_LIST_DIR}/dataplane/chatrequest.cpp ${CMAKE_CURRENT_LIST_DIR}/dataplane/chatrequest.h
    ${CMAKE_CURRENT_LIST_DIR}/dataplane/dataplane.cpp ${CMAKE_CURRENT_LIST_DIR}/dataplane/dataplane.h
    ${CMAKE_CURRENT_LIST_DIR}/dataplane/jsonsplice.cpp ${CMAKE_CURRENT_LIST_DIR}/dataplane/jsonsplice.h
    ${CMAKE_CURRENT_LIST_DIR}/dataplane/jsonvalidate.cpp ${CMAKE_CURRENT_LIST_DIR}/dataplane/jsonvalidate.h
    ${CMAKE_CURRENT_LIST_DIR}/dataplane/routing.cpp ${CMAKE_CURRENT_LIST_DIR}/dataplane/routing.h
    ${CMAKE_CURRENT_LIST_DIR}/dataplane/sse.cpp ${CMAKE_CURRENT_LIST_DIR}/dataplane/sse.h
)
# RapidJSON (header-only): validating streamed chunks and answers without
# building a document (dataplane/jsonvalidate.h). SYSTEM: its headers are not
# warning-clean under our flags.
find_package(RapidJSON REQUIRED)
target_include_directories(signalbox_engine SYSTEM PRIVATE ${RAPIDJSON_INCLUDE_DIRS})
