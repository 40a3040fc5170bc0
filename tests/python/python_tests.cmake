# The Python module's pytest suite (Debian's python3-pytest), run against the
# build tree's package (build/python) and CLI. The timing test (2 threads vs
# serial) runs alone: concurrent tests would steal its cores.
if(NOT TARGET segrt_python)
  return()
endif()
set(SEGRT_PY_ENV "PYTHONPATH=${PROJECT_BINARY_DIR}/python;SEGRT_CLI=$<TARGET_FILE:segrt>;SEGRT_SOURCE_DIR=${PROJECT_SOURCE_DIR};SEGRT_BUILD_DIR=${PROJECT_BINARY_DIR}")
set(SEGRT_PYTEST ${SEGRT_PYTHON_EXECUTABLE} -m pytest -q -p no:cacheprovider -rs ${CMAKE_CURRENT_SOURCE_DIR}/python)
add_test(NAME python COMMAND ${SEGRT_PYTEST} -k "not test_two_threads_overlap")
add_test(NAME python_threads_overlap COMMAND ${SEGRT_PYTEST} -s -k test_two_threads_overlap)
set_tests_properties(python python_threads_overlap PROPERTIES ENVIRONMENT "${SEGRT_PY_ENV}" TIMEOUT 900)
set_tests_properties(python_threads_overlap PROPERTIES RUN_SERIAL TRUE)
