# Compiler settings shared by every Signalbox target.
# signalbox_target_defaults(<target>) applies warnings, Qt's strict string
# definitions and, when requested, the sanitizers.

add_library(signalbox_compile_options INTERFACE)
add_library(Signalbox::CompileOptions ALIAS signalbox_compile_options)

target_compile_definitions(signalbox_compile_options INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_CAST_FROM_BYTEARRAY
    QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH
    QT_DISABLE_DEPRECATED_BEFORE=0x060400)

if(MSVC)
    target_compile_options(signalbox_compile_options INTERFACE /W4 /permissive- /utf-8)
    if(SIGNALBOX_WERROR)
        target_compile_options(signalbox_compile_options INTERFACE /WX)
    endif()
else()
    target_compile_options(signalbox_compile_options INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
        -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
    if(SIGNALBOX_WERROR)
        target_compile_options(signalbox_compile_options INTERFACE -Werror)
    endif()
endif()

if(SIGNALBOX_SANITIZE)
    if(MSVC)
        target_compile_options(signalbox_compile_options INTERFACE /fsanitize=address)
    else()
        target_compile_options(signalbox_compile_options INTERFACE
            -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
        target_link_options(signalbox_compile_options INTERFACE -fsanitize=address,undefined)
    endif()
endif()

function(signalbox_target_defaults target)
    target_link_libraries(${target} PRIVATE Signalbox::CompileOptions)
endfunction()
