#!/usr/bin/env bash
# Formats the C++ sources with the project's .clang-format:
#   tools/format.sh            rewrite every tracked .cpp/.hpp in place
#   tools/format.sh --check    change nothing; list the files that differ, exit 1 if any
# The test suite runs the check (`lint.format`).
set -euo pipefail
cd "$(dirname "$0")/.."
FORMAT=${CLANG_FORMAT:-clang-format}
command -v "$FORMAT" >/dev/null || { echo "format: $FORMAT is missing (tools/setup.sh installs it)" >&2; exit 2; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
else  # a source tree without git: the same folders
  mapfile -t files < <(find framework sdk plugins strategies tests bench -name '*.cpp' -o -name '*.hpp' -o -name '*.h' | sort)
fi
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    if ! "$FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1; then echo "not formatted: $f"; bad=1; fi
  done
  if ((bad)); then echo "format: run tools/format.sh to fix the files above" >&2; exit 1; fi
  echo "format: ${#files[@]} files formatted"
else
  "$FORMAT" -i "${files[@]}"
fi
