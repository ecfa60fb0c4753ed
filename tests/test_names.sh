#!/usr/bin/env bash
# CTest registers each doctest case as unit.<name>, and CMake cuts a name at
# every ';': such a case becomes two entries that each match no test, run
# nothing and pass. Fails on any case name with a ';'.
#   test_names.sh FLUX_TESTS_BINARY
set -uo pipefail
names=$("${1:?usage: test_names.sh FLUX_TESTS_BINARY}" --list-test-cases) \
  || exit 2
bad=$(grep -F ';' <<<"$names")

if [[ -n "$bad" ]]; then
  echo "test names with ';' (CTest would run none of them):"
  echo "$bad"
  exit 1
fi
echo "test_names: no ';' in the test case names"
