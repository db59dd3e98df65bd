# customs_add_module(NAME SOURCES... DEPS...)
#   Declares the static library customs_NAME. DEPS are other targets (modules or imported libraries).
function(customs_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(ARG_SOURCES)
    add_library(customs_${name} STATIC ${ARG_SOURCES})
    target_link_libraries(customs_${name} PUBLIC customs_build_options ${ARG_DEPS})
  else()
    # A module with no sources yet is an INTERFACE target so the module graph stays whole.
    add_library(customs_${name} INTERFACE)
    target_link_libraries(customs_${name} INTERFACE customs_build_options ${ARG_DEPS})
  endif()
endfunction()

# customs_add_test(NAME SOURCES... DEPS...)
#   One GoogleTest executable, registered with CTest as a single test (fast to list, honest counts).
#   Tests find shared data through CUSTOMS_SHARED_DATA and repo data through CUSTOMS_SOURCE_DIR.
function(customs_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT CUSTOMS_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE customs_build_options ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    CUSTOMS_SOURCE_DIR="${CUSTOMS_SOURCE_DIR}"
    CUSTOMS_SHARED_DATA="${CUSTOMS_SHARED_DATA}"
    CUSTOMS_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  if(ARG_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  else()
    set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  endif()
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# customs_add_fuzz_target(NAME SOURCE DEPS...)
#   SOURCE defines LLVMFuzzerTestOneInput. With CUSTOMS_FUZZ (clang) it links libFuzzer; otherwise it links a
#   replay driver, and CTest replays fuzz/corpus/NAME/* through it in every `make test`.
function(customs_add_fuzz_target name source)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  add_executable(fuzz_${name} ${source})
  target_link_libraries(fuzz_${name} PRIVATE customs_build_options ${ARG_DEPS})
  if(CUSTOMS_FUZZ)
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(fuzz_${name} PRIVATE ${CUSTOMS_SOURCE_DIR}/fuzz/replay_main.cpp)
    if(CUSTOMS_BUILD_TESTS)
      add_test(NAME fuzz_replay_${name}
               COMMAND fuzz_${name} ${CUSTOMS_SOURCE_DIR}/fuzz/corpus/${name})
      set_tests_properties(fuzz_replay_${name} PROPERTIES TIMEOUT 300 LABELS fuzz)
    endif()
  endif()
endfunction()
