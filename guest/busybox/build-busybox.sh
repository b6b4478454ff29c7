#!/usr/bin/env bash
# Builds a static riscv64 BusyBox from Debian's busybox source package.
#   build-busybox.sh DIR   fetch the source (apt-get source) into DIR/src, configure, build; leaves DIR/busybox,
#                          DIR/busybox.links and DIR/config
# Output goes to stdout/stderr (the caller sends it to a log file).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fragment="$here/vireo.config"
dir="${1:?usage: build-busybox.sh DIR}"
src="$dir/src"

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1704067200}"
export KCONFIG_NOTIMESTAMP=1 LC_ALL=C TZ=UTC
cross=riscv64-linux-gnu-

missing_options() {
  local line
  while IFS= read -r line; do
    [[ "$line" =~ ^CONFIG_[A-Za-z0-9_]+= ]] || continue
    grep -qxF -- "$line" "$src/.config" || printf '%s\n' "$line"
  done <"$fragment"
}

rm -rf "$dir/fetch" "$src"
mkdir -p "$dir/fetch"
# The exact version the caller hashed (BUSYBOX_VERSION, e.g. 1:1.35.0-4+deb12u1), else the newest.
(cd "$dir/fetch" && apt-get source -q "busybox${BUSYBOX_VERSION:+=$BUSYBOX_VERSION}")
unpacked="$(find "$dir/fetch" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -n 1)"
[[ -n "$unpacked" ]] || { echo "error: apt-get source busybox produced no source tree" >&2; exit 1; }
mv "$unpacked" "$src"
rm -rf "$dir/fetch"

make -C "$src" CROSS_COMPILE="$cross" defconfig
# Apply the fragment: drop every option it names from .config, append its lines, then let Kconfig resolve.
names="$(grep -oE '^(# )?CONFIG_[A-Za-z0-9_]+' "$fragment" | sed -E 's/^# //' | sort -u)"
grep -vwF -f <(printf '%s\n' $names) "$src/.config" >"$src/.config.new" || true
grep -E '^(CONFIG_|# CONFIG_[A-Za-z0-9_]+ is not set)' "$fragment" >>"$src/.config.new"
mv "$src/.config.new" "$src/.config"
{ yes '' || true; } | make -C "$src" CROSS_COMPILE="$cross" oldconfig >/dev/null
missing="$(missing_options)"
if [[ -n "$missing" ]]; then
  echo "error: these options from $fragment are not in the final .config:" >&2
  printf '  %s\n' $missing >&2
  exit 1
fi

nice make -C "$src" CROSS_COMPILE="$cross" -j"${VIREO_JOBS:-2}" busybox
# busybox.links lists every applet's install path (/bin/ls, /usr/bin/env, ...) for the root file system.
make -C "$src" CROSS_COMPILE="$cross" busybox.links
cp "$src/busybox" "$dir/busybox"
cp "$src/busybox.links" "$dir/busybox.links"
cp "$src/.config" "$dir/config"
rm -rf "$src"
