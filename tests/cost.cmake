# Cost engine suites. The oracle corpus is written by the reference
# implementation (@pydantic/genai-prices, pinned in tests/oracle) in a CTest
# fixture, so a plain ctest run prepares it.

# The public price data the snapshot is built from (shared/ sits beside the clone).
get_filename_component(SIGNALBOX_SHARED_CATALOG "${PROJECT_SOURCE_DIR}/../shared/catalog" ABSOLUTE)
set(SIGNALBOX_GENAI_PRICES_JSON "${SIGNALBOX_SHARED_CATALOG}/genai-prices-0.1.8.json")

signalbox_add_test(tst_money SOURCES engine/tst_money.cpp LIBRARIES Signalbox::Engine LABELS cost)
signalbox_add_test(tst_costengine SOURCES engine/tst_costengine.cpp engine/genai_samples.cpp engine/genai_samples.h LIBRARIES Signalbox::Engine LABELS cost)
target_compile_definitions(tst_costengine PRIVATE SIGNALBOX_GENAI_PRICES_JSON="${SIGNALBOX_GENAI_PRICES_JSON}")

signalbox_add_test(tst_cost_oracle SOURCES engine/tst_cost_oracle.cpp LIBRARIES Signalbox::Engine LABELS cost TIMEOUT 300)
target_compile_definitions(tst_cost_oracle PRIVATE
    SIGNALBOX_GENAI_PRICES_JSON="${SIGNALBOX_GENAI_PRICES_JSON}"
    SIGNALBOX_ORACLE_CORPUS="${CMAKE_CURRENT_BINARY_DIR}/oracle/corpus.jsonl")
add_test(NAME cost_oracle_corpus
    COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/oracle/run-corpus.sh" "${CMAKE_CURRENT_BINARY_DIR}/oracle" "${SIGNALBOX_GENAI_PRICES_JSON}")
set_tests_properties(cost_oracle_corpus PROPERTIES FIXTURES_SETUP cost_oracle TIMEOUT 300 LABELS cost)
set_tests_properties(tst_cost_oracle PROPERTIES FIXTURES_REQUIRED cost_oracle)
