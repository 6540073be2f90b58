# Compatibility with the official openai npm client (tests/compat/openai-node,
# pinned in its package-lock.json; installed into the build tree by run.sh).
signalbox_add_test(tst_openai_compat SOURCES gateway/tst_openai_compat.cpp
    LIBRARIES Signalbox::Engine signalbox_test_support signalbox_fake_provider LABELS gateway compat TIMEOUT 300)
target_compile_definitions(tst_openai_compat PRIVATE
    SIGNALBOX_COMPAT_SCRIPT="${CMAKE_CURRENT_SOURCE_DIR}/compat/openai-node/run.sh"
    SIGNALBOX_COMPAT_WORKDIR="${CMAKE_CURRENT_BINARY_DIR}/compat/openai-node")
set_tests_properties(tst_openai_compat PROPERTIES SKIP_RETURN_CODE 77)
