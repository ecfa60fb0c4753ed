#!/usr/bin/env bash
# Includes point down only: a file may include its own folder and the
# folders below it, in this order (docs/architecture.md, "Layers"). Prints
# every include that points up and exits non-zero when there is one.
#   layering.sh SOURCE_DIR
set -uo pipefail
cd "${1:?usage: layering.sh SOURCE_DIR}" || exit 2
layers=(core wire auth runtime bus sessions rooms cluster domains gateway config app)
rank() {
  local i
  for i in "${!layers[@]}"; do
    [[ "${layers[$i]}" == "$1" ]] && { echo "$i"; return; }
  done
  echo -1
}
bad=0 checked=0
for dir in "${layers[@]}"; do
  mine=$(rank "$dir")
  for file in "$dir"/*.hpp "$dir"/*.cpp; do
    [[ -e "$file" ]] || continue
    while IFS= read -r line; do
      target=${line#*\"}; target=${target%%/*}
      theirs=$(rank "$target")
      checked=$((checked + 1))
      if (( theirs < 0 )); then
        echo "layering: $file includes $line: not a folder of the layer list"
        bad=1
      elif (( theirs > mine )); then
        echo "layering: $file ($dir) includes $line (${target} is above ${dir})"
        bad=1
      fi
    done < <(grep -E '^#include "' "$file")
  done
done
echo "layering: $checked includes checked"
exit $bad
