# FindHttpParser
# --------------
# Finds the Node.js http-parser C library (Debian: libhttp-parser-dev 2.9.x).
#
# Imported target:  HttpParser::HttpParser
# Result variables: HttpParser_FOUND, HttpParser_INCLUDE_DIR, HttpParser_LIBRARY,
#                   HttpParser_VERSION

find_path(HttpParser_INCLUDE_DIR NAMES http_parser.h)
find_library(HttpParser_LIBRARY NAMES http_parser)

if(HttpParser_INCLUDE_DIR AND EXISTS "${HttpParser_INCLUDE_DIR}/http_parser.h")
    file(STRINGS "${HttpParser_INCLUDE_DIR}/http_parser.h" _hp_version_lines
         REGEX "^#define HTTP_PARSER_VERSION_(MAJOR|MINOR|PATCH) [0-9]+")
    foreach(_part MAJOR MINOR PATCH)
        string(REGEX REPLACE ".*#define HTTP_PARSER_VERSION_${_part} ([0-9]+).*" "\\1"
               _hp_${_part} "${_hp_version_lines}")
    endforeach()
    set(HttpParser_VERSION "${_hp_MAJOR}.${_hp_MINOR}.${_hp_PATCH}")
    unset(_hp_version_lines)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(HttpParser
    REQUIRED_VARS HttpParser_LIBRARY HttpParser_INCLUDE_DIR
    VERSION_VAR HttpParser_VERSION)

if(HttpParser_FOUND AND NOT TARGET HttpParser::HttpParser)
    add_library(HttpParser::HttpParser UNKNOWN IMPORTED)
    set_target_properties(HttpParser::HttpParser PROPERTIES
        IMPORTED_LOCATION "${HttpParser_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${HttpParser_INCLUDE_DIR}")
endif()

mark_as_advanced(HttpParser_INCLUDE_DIR HttpParser_LIBRARY)
