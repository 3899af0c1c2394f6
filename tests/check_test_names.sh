#!/bin/sh
# Fails if a doctest case name holds a ';'. ctest cuts a discovered test's name at ';', so the
# test it registers selects no case at all and passes without running anything.
# Usage: check_test_names.sh TEST_BINARY...
status=0
for binary in "$@"; do
  bad=$("$binary" --list-test-cases --no-colors=true | grep ';')
  if [ -n "$bad" ]; then
    echo "$binary: test case names with ';' (ctest would run nothing for them):"
    echo "$bad"
    status=1
  fi
done
exit $status
