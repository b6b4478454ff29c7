#!/usr/bin/env bash
# Installs the Debian packages the guest build needs (cross compiler, kernel source, BusyBox build tools,
# image tools) and enables deb-src so `apt-get source busybox` works. Idempotent: a fast no-op when all is there.
set -euo pipefail

packages=(
  gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross linux-source-6.1
  build-essential bc flex bison cpio e2fsprogs dpkg-dev xz-utils libelf-dev libssl-dev kmod rsync
)
packages+=("$@")

sudo_cmd=()
if [[ "$(id -u)" != 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

# Prints the packages of "$@" that are not installed.
missing_packages() {
  local p status
  for p in "$@"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
    [[ "$status" == ii* ]] || printf '%s\n' "$p"
  done
}

# True when some apt source already has deb-src entries.
have_deb_src() {
  grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/
}

# Writes a deb-src twin of every deb822 "Types: deb" stanza in /etc/apt/sources.list.d/*.sources and of every
# "deb" line in one-line .list files, so the source packages come from the same mirrors and suites.
add_deb_src() {
  local out=/etc/apt/sources.list.d/vireo-deb-src.sources tmp
  tmp="$(mktemp)"
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" && "$f" != "$out" ]] || continue
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[[:space:]]*deb([[:space:]]|$)/ && !/Enabled:[[:space:]]*no/ {
           sub(/Types:[[:space:]]*deb/, "Types: deb-src"); print }' "$f" >>"$tmp"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    sed -nE 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' "$f" >>"$tmp.list"
  done
  if [[ -s "$tmp" ]]; then
    "${sudo_cmd[@]}" install -m 0644 "$tmp" "$out"
  fi
  if [[ -s "$tmp.list" ]]; then
    "${sudo_cmd[@]}" install -m 0644 "$tmp.list" /etc/apt/sources.list.d/vireo-deb-src.list
  fi
  rm -f "$tmp" "$tmp.list"
  if ! have_deb_src; then
    echo "error: could not find an apt source to derive a deb-src entry from" >&2
    exit 1
  fi
}

need_update=0
if ! have_deb_src; then
  echo "enabling deb-src apt sources (for apt-get source busybox)"
  add_deb_src
  need_update=1
fi
# apt-cache showsrc fails when the source index has never been downloaded.
if [[ "$need_update" == 0 ]] && ! apt-cache showsrc busybox >/dev/null 2>&1; then
  need_update=1
fi
mapfile -t missing < <(missing_packages "${packages[@]}")
if [[ "${#missing[@]}" -gt 0 || "$need_update" == 1 ]]; then
  "${sudo_cmd[@]}" apt-get update -qq
fi
if [[ "${#missing[@]}" -gt 0 ]]; then
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
