#!/usr/bin/env bash
# Builds the Vireo guest images from Debian packages, reproducibly, with a content-addressed cache.
#
#   guest/build.sh                 build (or reuse) the artifacts; the LAST line printed is their directory
#   guest/build.sh --print-path    print the artifacts directory for the current inputs; exit 1 if not built
#   guest/build.sh --print-hash    print the hash of the current inputs
#   guest/build.sh --print-keys    print "kernel <key>", "busybox <key>" and "guest <key>" (the three cache keys)
#
# Artifacts: Image (Linux 6.1 riscv64), initramfs.cpio.gz, rootfs.ext4, busybox, manifest.json, in
# ${XDG_CACHE_HOME:-$HOME/.cache}/vireo/guest/<hash of every file in guest/ and the Debian package versions>.
# The kernel and BusyBox are cached separately (keyed by their own inputs), so changing the init or the root
# file system does not rebuild them. Every build happens in a temporary directory renamed into place when
# complete. Step output goes to log files; a failed step prints one error line naming the step and its log.
set -euo pipefail

guest_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/vireo"
log_dir="$cache_root/guest-logs"
total_steps=7
# Fixed time for every timestamp that ends up in an artifact (file mtimes, ext4 superblock, kernel banner).
export SOURCE_DATE_EPOCH=1704067200
export LC_ALL=C TZ=UTC

die() {
  echo "error: $*" >&2
  exit 1
}

# Installed version of a Debian package, or empty.
package_version() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true
}

# Version of the busybox source package apt-get source would fetch (the highest one the deb-src lists offer).
busybox_source_version() {
  local v best=""
  while IFS= read -r v; do
    if [[ -z "$best" ]] || dpkg --compare-versions "$v" gt "$best"; then
      best="$v"
    fi
  done < <(apt-cache showsrc --only-source busybox 2>/dev/null | sed -n 's/^Version: //p')
  printf '%s' "$best"
}

# Hash of the given files (paths relative to guest/, with their mode) and extra lines, first 16 hex digits.
hash_inputs() {
  local extra="$1"
  shift
  {
    local f
    for f in "$@"; do
      printf '%s %s %s\n' "$f" "$(stat -c %a "$guest_dir/$f")" "$(sha256sum <"$guest_dir/$f" | cut -c1-64)"
    done
    printf '%s\n' "$extra"
  } | sha256sum | cut -c1-16
}

# Every regular file under guest/ (relative, sorted), optionally only under one sub-folder.
guest_files() {
  (cd "$guest_dir" && find "${1:-.}" -type f ! -name '*~' ! -name '*.swp' -printf '%P\n' | sed "s|^|${1:+$1/}|" | sort)
}

compute_keys() {
  linux_version="$(package_version linux-source-6.1)"
  gcc_version="$(package_version gcc-riscv64-linux-gnu)"
  binutils_version="$(package_version binutils-riscv64-linux-gnu)"
  libc_version="$(package_version libc6-dev-riscv64-cross)"
  e2fs_version="$(package_version e2fsprogs)"
  cpio_version="$(package_version cpio)"
  gzip_version="$(package_version gzip)"
  busybox_version="$(busybox_source_version)"
  [[ -n "$linux_version" && -n "$gcc_version" && -n "$busybox_version" && -n "$e2fs_version" ]] || return 1
  local toolchain="gcc-riscv64-linux-gnu=$gcc_version binutils-riscv64-linux-gnu=$binutils_version"
  kernel_key="$(hash_inputs "linux-source-6.1=$linux_version $toolchain" $(guest_files linux))"
  busybox_key="$(hash_inputs "busybox-src=$busybox_version $toolchain libc6-dev-riscv64-cross=$libc_version" \
    $(guest_files busybox))"
  guest_key="$(hash_inputs "linux-source-6.1=$linux_version busybox-src=$busybox_version $toolchain \
libc6-dev-riscv64-cross=$libc_version e2fsprogs=$e2fs_version cpio=$cpio_version gzip=$gzip_version" \
    $(guest_files))"
  artifacts_dir="$cache_root/guest/$guest_key"
  export linux_version gcc_version binutils_version libc_version e2fs_version cpio_version gzip_version \
    busybox_version kernel_key busybox_key guest_key artifacts_dir
}

format_elapsed() {
  local s="$1"
  if ((s >= 60)); then
    printf '%dm%02ds' $((s / 60)) $((s % 60))
  else
    printf '%ds' "$s"
  fi
}

step_number=0
# run_step NAME DESCRIPTION COMMAND...: runs COMMAND with its output in $log_dir/NAME.log and one progress line.
run_step() {
  local name="$1" description="$2"
  shift 2
  local log="$log_dir/$name.log" start=$SECONDS status=0
  printf '[%2d/%d] %s: %s ...' "$step_number" "$total_steps" "$name" "$description"
  # A separate process, because bash ignores `set -e` inside a function called from a `||` list.
  "$BASH" "$guest_dir/build.sh" --run-step "$@" >"$log" 2>&1 </dev/null || status=$?
  if ((status != 0)); then
    printf ' failed\n'
    die "guest build step '$name' ($description) failed with exit code $status; see log: $log"
  fi
  printf ' done in %s\n' "$(format_elapsed $((SECONDS - start)))"
}

# Prints the progress line of a step whose result came from the cache.
cached_step() {
  printf '[%2d/%d] %s: cached %s\n' "$step_number" "$total_steps" "$1" "$2"
}

tmp_dirs=()
cleanup() {
  local d
  for d in "${tmp_dirs[@]}"; do
    rm -rf "$d"
  done
}
trap cleanup EXIT

# build_cached NAME DESCRIPTION FINAL_DIR COMMAND...: unless FINAL_DIR exists, runs COMMAND with a fresh temporary
# directory as last argument and renames that directory to FINAL_DIR when COMMAND succeeds.
build_cached() {
  local name="$1" description="$2" final="$3"
  shift 3
  if [[ -d "$final" ]]; then
    cached_step "$name" "$(basename "$final")"
    return
  fi
  mkdir -p "$(dirname "$final")"
  local tmp
  tmp="$(mktemp -d "$final.tmp.XXXXXX")"
  tmp_dirs+=("$tmp")
  run_step "$name" "$description" "$@" "$tmp"
  mv -T "$tmp" "$final"
}

# --- steps (each runs with output redirected to its log) ---

kernel_config() { "$guest_dir/linux/build-kernel.sh" config "$1"; }

kernel_image() {
  local dir="$1"
  "$guest_dir/linux/build-kernel.sh" image "$kernel_work"
  mv "$kernel_work/Image" "$kernel_work/config" "$dir/"
}

busybox_build() { BUSYBOX_VERSION="$busybox_version" "$guest_dir/busybox/build-busybox.sh" "$1"; }

bench_build() {
  local dir="$1"
  riscv64-linux-gnu-gcc -O2 -static -Wall -Wextra -Werror -ffile-prefix-map="$guest_dir"=. \
    -o "$dir/vireo-bench" "$guest_dir/bench/vireo-bench.c" -lm
  riscv64-linux-gnu-strip "$dir/vireo-bench"
  # The guest agent (docs/agent.md): static, libc only.
  riscv64-linux-gnu-gcc -O2 -static -Wall -Wextra -Werror -ffile-prefix-map="$guest_dir"=. \
    -o "$dir/vireo-agent" "$guest_dir/agent/vireo-agent.c"
  riscv64-linux-gnu-strip "$dir/vireo-agent"
}

# Assembles the root file system tree, the initramfs and the ext4 disk in DIR.
rootfs_build() {
  local dir="$1" tree="$1/tree" bb="$busybox_dir"
  mkdir -p "$tree"
  umask 022
  cp -a "$guest_dir/rootfs/." "$tree/"
  local d
  for d in bin sbin usr/bin usr/sbin dev proc sys tmp run root mnt var var/log; do
    mkdir -p "$tree/$d"
  done
  chmod 1777 "$tree/tmp"
  chmod 0700 "$tree/root"
  install -m 0755 "$bb/busybox" "$tree/bin/busybox"
  local link
  while IFS= read -r link; do
    # /init and /sbin/init are the project's own init, not BusyBox init.
    case "$link" in /bin/busybox | /sbin/init | /linuxrc | "") continue ;; esac
    mkdir -p "$tree$(dirname "$link")"
    ln -sfn /bin/busybox "$tree$link"
  done <"$bb/busybox.links"
  ln -sfn ../init "$tree/sbin/init"
  if [[ -f "$bench_dir/vireo-bench" ]]; then
    install -m 0755 "$bench_dir/vireo-bench" "$tree/bin/vireo-bench"
  fi
  if [[ -f "$bench_dir/vireo-agent" ]]; then
    install -m 0755 "$bench_dir/vireo-agent" "$tree/sbin/vireo-agent"
  fi
  # Reproducible tree: fixed mtimes, no group/other write bits.
  chmod -R go-w "$tree"
  chmod 1777 "$tree/tmp"
  find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

  (cd "$tree" && find . -print0 | sort -z | cpio --null -o -H newc --owner=0:0 --reproducible --quiet) |
    gzip -9n >"$dir/initramfs.cpio.gz"

  # E2FSPROGS_FAKE_TIME fixes the superblock times; -U and hash_seed fix the random identifiers.
  E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH" mke2fs -q -F -t ext4 -d "$tree" -L vireo-root \
    -U 5669726f-0000-4000-8000-000000000001 \
    -E root_owner=0:0,hash_seed=5669726f-0000-4000-8000-000000000002 \
    "$dir/rootfs.ext4" 64M
  # mke2fs -d copies each file's owner, atime and ctime from the host (and stamps crtime): make every file root's
  # (a non-root build user's uid must not leak into the image) and pin every time to the fixed one.
  (
    cd "$tree"
    find . -printf '%P\n' | sort | while IFS= read -r path; do
      printf 'sif "/%s" uid 0\nsif "/%s" gid 0\n' "$path" "$path"
      for field in atime ctime mtime crtime; do
        printf 'sif "/%s" %s @%s\n' "$path" "$field" "$SOURCE_DATE_EPOCH"
        printf 'sif "/%s" %s_extra 0\n' "$path" "$field"
      done
    done
    for field in atime ctime mtime crtime; do
      printf 'sif /lost+found %s @%s\nsif /lost+found %s_extra 0\n' "$field" "$SOURCE_DATE_EPOCH" "$field"
    done
  ) >"$dir/times.debugfs"
  E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH" debugfs -w -f "$dir/times.debugfs" "$dir/rootfs.ext4" >/dev/null
  rm -f "$dir/times.debugfs"
  touch -d "@$SOURCE_DATE_EPOCH" "$dir/rootfs.ext4"
  rm -rf "$tree"
  cp "$kernel_dir/Image" "$dir/Image"
  cp "$bb/busybox" "$dir/busybox"
  if [[ -f "$bench_dir/vireo-bench" ]]; then
    cp "$bench_dir/vireo-bench" "$dir/vireo-bench"
  fi
  write_manifest "$dir"
}

json_artifact() {
  local file="$1"
  printf '    "%s": { "sha256": "%s", "size": %d }' "$(basename "$file")" \
    "$(sha256sum <"$file" | cut -c1-64)" "$(stat -c %s "$file")"
}

write_manifest() {
  local dir="$1" f first=1
  {
    printf '{\n  "format": 1,\n  "inputsHash": "%s",\n  "artifacts": {\n' "$guest_key"
    for f in Image initramfs.cpio.gz rootfs.ext4 busybox vireo-bench; do
      [[ -f "$dir/$f" ]] || continue
      ((first)) || printf ',\n'
      first=0
      json_artifact "$dir/$f"
    done
    printf '\n  },\n  "debianPackages": {\n'
    printf '    "linux-source-6.1": "%s",\n' "$linux_version"
    printf '    "busybox (source)": "%s",\n' "$busybox_version"
    printf '    "gcc-riscv64-linux-gnu": "%s",\n' "$gcc_version"
    printf '    "binutils-riscv64-linux-gnu": "%s",\n' "$binutils_version"
    printf '    "libc6-dev-riscv64-cross": "%s",\n' "$libc_version"
    printf '    "e2fsprogs": "%s",\n' "$e2fs_version"
    printf '    "cpio": "%s"\n' "$cpio_version"
    printf '  }\n}\n'
  } >"$dir/manifest.json"
}

# --- main ---

case "${1:-}" in
  --print-path | --print-hash | --print-keys)
    compute_keys || die "cannot compute the guest inputs hash: the guest build dependencies are not installed; run ./vireo guest build"
    if [[ "$1" == --print-hash ]]; then
      echo "$guest_key"
      exit 0
    fi
    if [[ "$1" == --print-keys ]]; then
      printf 'kernel %s\nbusybox %s\nguest %s\n' "$kernel_key" "$busybox_key" "$guest_key"
      exit 0
    fi
    [[ -f "$artifacts_dir/manifest.json" ]] ||
      die "the guest images for the current inputs are not built (expected $artifacts_dir); run ./vireo guest build"
    echo "$artifacts_dir"
    exit 0
    ;;
  --run-step)
    # Internal: runs one step function (see run_step) with its arguments.
    shift
    "$@"
    exit 0
    ;;
  "") ;;
  *)
    echo "usage: guest/build.sh [--print-path | --print-hash | --print-keys]" >&2
    exit 2
    ;;
esac

mkdir -p "$log_dir"
step_number=1
run_step deps "installing Debian packages" "$guest_dir/install-deps.sh"
compute_keys || die "cannot determine the Debian package versions (see $log_dir/deps.log)"

if [[ -f "$artifacts_dir/manifest.json" ]]; then
  step_number=$total_steps
  cached_step guest "$guest_key"
  echo "$artifacts_dir"
  exit 0
fi

# One build at a time: a second concurrent build waits, then finds the first one's results in the cache.
exec 9>"$cache_root/guest.lock"
flock 9

export kernel_dir="$cache_root/guest-kernel/$kernel_key"
export busybox_dir="$cache_root/guest-busybox/$busybox_key"
export bench_dir="" kernel_work=""

step_number=2
if [[ -d "$kernel_dir" ]]; then
  cached_step kernel-config "$kernel_key"
else
  mkdir -p "$cache_root/guest-kernel"
  kernel_work="$(mktemp -d "$kernel_dir.src.XXXXXX")"
  tmp_dirs+=("$kernel_work")
  run_step kernel-config "tinyconfig + linux/vireo.config (linux-source-6.1 $linux_version)" kernel_config "$kernel_work"
fi
step_number=3
build_cached kernel "building Image" "$kernel_dir" kernel_image

step_number=4
build_cached busybox "building static BusyBox $busybox_version" "$busybox_dir" busybox_build

step_number=5
mkdir -p "$cache_root/guest"
if [[ -f "$guest_dir/bench/vireo-bench.c" ]]; then
  bench_dir="$(mktemp -d "$cache_root/guest/bench.tmp.XXXXXX")"
  tmp_dirs+=("$bench_dir")
  run_step bench "compiling vireo-bench and vireo-agent" bench_build "$bench_dir"
else
  bench_dir="/nonexistent"
  cached_step bench "(no guest/bench/vireo-bench.c)"
fi

step_number=6
guest_tmp="$(mktemp -d "$artifacts_dir.tmp.XXXXXX")"
tmp_dirs+=("$guest_tmp")
run_step rootfs "initramfs.cpio.gz, rootfs.ext4, manifest.json" rootfs_build "$guest_tmp"

step_number=7
start=$SECONDS
printf '[%2d/%d] %s: %s ...' "$step_number" "$total_steps" guest "publishing"
chmod 0755 "$guest_tmp"
if ! mv -T "$guest_tmp" "$artifacts_dir" 2>/dev/null; then
  # Another build published the same inputs first; its artifacts are identical.
  [[ -f "$artifacts_dir/manifest.json" ]] || die "cannot move $guest_tmp to $artifacts_dir"
fi
printf ' done in %s\n' "$(format_elapsed $((SECONDS - start)))"
echo "$artifacts_dir"
