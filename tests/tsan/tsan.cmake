# ThreadSanitizer variant of tests/unit/engine_threads_test.cpp: the code that
# makes Engine::run thread-safe (runtime/, the backend interface, the ref and
# CPU executables and their contexts) is compiled with -fsanitize=thread; the
# rest of the library (ops, importers, passes) is linked from segrt_lib's
# ordinary objects: it runs inside one context and shares nothing between
# threads. suppressions.txt lists the known reports of uninstrumented
# libraries, each explained. run_tsan.sh runs it.
option(SEGRT_TSAN_TEST "Build the ThreadSanitizer variant of the engine threading test" ON)
if(NOT SEGRT_TSAN_TEST)
  return()
endif()
set(SEGRT_TSAN_LIB_SOURCES
  runtime/engine.cpp runtime/context.cpp runtime/engine_info.cpp runtime/tuning_cache.cpp
  backend/backend.cpp backend/ref/ref_backend.cpp)
if("cpu" IN_LIST SEGRT_PARTS)
  list(APPEND SEGRT_TSAN_LIB_SOURCES backend/cpu/cpu_backend.cpp)
endif()
list(TRANSFORM SEGRT_TSAN_LIB_SOURCES PREPEND ${PROJECT_SOURCE_DIR}/src/)
# segrt_lib's objects less the ones compiled here with TSan.
set(SEGRT_TSAN_EXCLUDE
  "/(runtime/engine|runtime/context|runtime/engine_info|runtime/tuning_cache|backend/backend|ref/ref_backend|cpu/cpu_backend)[.]cpp[.]o$")
add_executable(segrt_tsan_threads
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/engine_threads_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/test_util.cpp
  ${SEGRT_TSAN_LIB_SOURCES}
  "$<FILTER:$<TARGET_OBJECTS:segrt_lib>,EXCLUDE,${SEGRT_TSAN_EXCLUDE}>")
target_include_directories(segrt_tsan_threads PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}
  $<TARGET_PROPERTY:segrt_lib,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(segrt_tsan_threads PRIVATE $<TARGET_PROPERTY:segrt_lib,INTERFACE_COMPILE_DEFINITIONS>
  SEGRT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" SEGRT_SHARED_MODELS="${PROJECT_SOURCE_DIR}/../shared/models")
target_compile_options(segrt_tsan_threads PRIVATE -fsanitize=thread -g -O1)
target_link_options(segrt_tsan_threads PRIVATE -fsanitize=thread)
target_link_libraries(segrt_tsan_threads PRIVATE $<TARGET_PROPERTY:segrt_lib,INTERFACE_LINK_LIBRARIES>
  GTest::gtest GTest::gtest_main)
add_test(NAME tsan_threads COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tsan/run_tsan.sh $<TARGET_FILE:segrt_tsan_threads>)
set_tests_properties(tsan_threads PROPERTIES TIMEOUT 1800 SKIP_RETURN_CODE 77
  ENVIRONMENT "SEGRT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
