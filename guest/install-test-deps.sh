#!/usr/bin/env bash
# Installs what the test suite needs on the host: the guest build dependencies plus every Debian package listed in
# tests/apt-packages.txt (one per line; "#" starts a comment). A fast no-op when all are installed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="$here/../tests/apt-packages.txt"

extra=()
if [[ -f "$list" ]]; then
  while IFS= read -r line; do
    line="${line%%#*}"
    line="${line//[[:space:]]/}"
    [[ -n "$line" ]] && extra+=("$line")
  done <"$list"
fi
exec "$here/install-deps.sh" "${extra[@]}"
