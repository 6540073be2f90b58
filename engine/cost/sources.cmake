# engine/cost: exact money, usage units, price schedules, the genai-prices
# price book and the cost engine.
target_sources(signalbox_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/costengine.cpp ${CMAKE_CURRENT_LIST_DIR}/costengine.h
    ${CMAKE_CURRENT_LIST_DIR}/money.cpp ${CMAKE_CURRENT_LIST_DIR}/money.h
    ${CMAKE_CURRENT_LIST_DIR}/pricebook.cpp ${CMAKE_CURRENT_LIST_DIR}/pricebook.h
    ${CMAKE_CURRENT_LIST_DIR}/pricebookimport.cpp
    ${CMAKE_CURRENT_LIST_DIR}/priceschedule.cpp ${CMAKE_CURRENT_LIST_DIR}/priceschedule.h
    ${CMAKE_CURRENT_LIST_DIR}/units.cpp ${CMAKE_CURRENT_LIST_DIR}/units.h
)
