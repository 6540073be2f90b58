# signalbox-gateway config apply / export: the real binary as a subprocess on a
# real workspace (tests/cli/tst_cli_config*.cpp, sharing configclifixture.h).
foreach(_signalbox_config_test tst_cli_config tst_cli_config_errors)
    signalbox_add_test(${_signalbox_config_test} SOURCES cli/${_signalbox_config_test}.cpp cli/configclifixture.h
        LIBRARIES Signalbox::Engine LABELS cli TIMEOUT 180)
    target_compile_definitions(${_signalbox_config_test} PRIVATE
        SIGNALBOX_GATEWAY_BIN="$<TARGET_FILE:signalbox-gateway>")
    add_dependencies(${_signalbox_config_test} signalbox-gateway)
endforeach()

# engine/config below the CLI: parser limits and positions, plan order and
# catalog checks, export escaping, store writes inside an apply's transaction.
signalbox_add_test(tst_configapply SOURCES engine/tst_configapply.cpp
    LIBRARIES Signalbox::Engine LABELS cli)
