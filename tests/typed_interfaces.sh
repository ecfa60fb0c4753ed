#!/usr/bin/env bash
# A wrong message is a compile error: compiles tests/typed_interfaces/
# sends.cpp once per case; case 0 (the right messages) must compile, every
# other case (a wrong argument type, a message the receiver does not take)
# must be refused with CAF's "does not accept given message".
#   typed_interfaces.sh SOURCE_DIR CXX [CXX FLAGS...]
set -uo pipefail
src="${1:?usage: typed_interfaces.sh SOURCE_DIR CXX [FLAGS...]}"
cxx="${2:?usage: typed_interfaces.sh SOURCE_DIR CXX [FLAGS...]}"
shift 2
file="$src/tests/typed_interfaces/sends.cpp"
cases=$(grep -c '^#elif FLUX_CASE ==' "$file")
compile() { "$cxx" -std=c++17 -fsyntax-only -I"$src" "$@" -DFLUX_CASE="$case" "$file" 2>&1; }
status=0
case=0
if ! out=$(compile "$@"); then
  echo "case 0 (the right messages) does not compile:"
  echo "$out" | head -20
  status=1
fi
for ((case = 1; case <= cases; case++)); do
  what=$(grep "^#elif FLUX_CASE == $case " "$file" | sed 's/.*\/\/ //')
  if out=$(compile "$@"); then
    echo "case $case compiles, but must not: $what"
    status=1
  elif ! grep -q "does not accept given message" <<<"$out"; then
    echo "case $case fails for another reason than its message: $what"
    echo "$out" | grep -m3 error
    status=1
  else
    echo "refused, as it must be: $what"
  fi
done
exit "$status"
