#!/usr/bin/env bash
# clang-format over our C++ sources. --check fails (and lists files) instead of rewriting.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc' 2>/dev/null; git ls-files --others --exclude-standard '*.cpp' '*.hpp' '*.h' '*.cc' 2>/dev/null)
[ ${#files[@]} -eq 0 ] && exit 0
if [ "${1:-}" = --check ]; then
  bad=()
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    clang-format --style=file "$f" | cmp -s - "$f" || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "clang-format: these files need formatting (run scripts/format.sh): ${bad[*]}" >&2
    exit 1
  fi
else
  clang-format --style=file -i "${files[@]}"
fi
