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

# customs_test_properties(NAME)
#   What every CTest test shares: exit code 77 means "skipped", never "passed". Skip reasons are printed by the test
#   ("  SKIPPED Suite.Name: reason" from gtest_main.cpp, "SKIP: reason" from tests/support/skip.sh); CTest keeps them
#   in Testing/Temporary/LastTest.log, where scripts/test-summary.sh counts them.
function(customs_test_properties name)
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77)
endfunction()

# customs_add_script_test(NAME COMMAND... [TIMEOUT s] [LABELS l])
#   A shell or python test. It reports a skip by printing "SKIP: reason" and exiting 77, or exiting 1 under
#   CUSTOMS_REQUIRE_ALL=1 (shell: source tests/support/skip.sh and call `customs_skip REASON`).
function(customs_add_script_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT CUSTOMS_BUILD_TESTS)
    return()
  endif()
  add_test(NAME ${name} COMMAND ${ARG_COMMAND})
  customs_test_properties(${name})
  if(ARG_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  else()
    set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  endif()
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# customs_add_test(NAME SOURCES... DEPS...)
#   One GoogleTest executable, registered with CTest as a single test (fast to list). Its main()
#   (tests/support/gtest_main.cpp) prints and logs every skipped case, fails on a skip under CUSTOMS_REQUIRE_ALL=1,
#   and exits 77 ("Skipped" in CTest) when every case skipped.
#   Tests find shared data through CUSTOMS_SHARED_DATA and repo data through CUSTOMS_SOURCE_DIR.
function(customs_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT CUSTOMS_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE customs_build_options ${ARG_DEPS} GTest::gtest GTest::gmock)
  target_sources(${name} PRIVATE ${CUSTOMS_SOURCE_DIR}/tests/support/gtest_main.cpp)
  target_compile_definitions(${name} PRIVATE
    CUSTOMS_SOURCE_DIR="${CUSTOMS_SOURCE_DIR}"
    CUSTOMS_SHARED_DATA="${CUSTOMS_SHARED_DATA}"
    CUSTOMS_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  customs_test_properties(${name})
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
      customs_test_properties(fuzz_replay_${name})
    endif()
  endif()
endfunction()
