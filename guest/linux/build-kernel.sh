#!/usr/bin/env bash
# Builds the Vireo guest kernel from Debian's linux-source-6.1 in a work directory.
#   build-kernel.sh config DIR   extract the source into DIR/src, make tinyconfig, merge vireo.config, verify it
#   build-kernel.sh image DIR    build arch/riscv/boot/Image and copy Image and config into DIR
# Output goes to stdout/stderr (the caller sends it to a log file). Reproducible: fixed build user, host and time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tarball=/usr/src/linux-source-6.1.tar.xz
fragment="$here/vireo.config"
mode="${1:?usage: build-kernel.sh config|image DIR}"
dir="${2:?usage: build-kernel.sh config|image DIR}"
src="$dir/src"

export ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-
export KBUILD_BUILD_USER=vireo KBUILD_BUILD_HOST=vireo KBUILD_BUILD_VERSION=1
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1704067200}"
export KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH"
export LC_ALL=C TZ=UTC

# Prints every option the fragment asks for ("CONFIG_X=value" lines) that the final .config does not have.
missing_options() {
  local line
  while IFS= read -r line; do
    [[ "$line" =~ ^CONFIG_[A-Za-z0-9_]+= ]] || continue
    grep -qxF -- "$line" "$src/.config" || printf '%s\n' "$line"
  done <"$fragment"
}

case "$mode" in
  config)
    rm -rf "$src"
    mkdir -p "$src"
    tar -xf "$tarball" -C "$src" --strip-components=1
    make -C "$src" tinyconfig
    (cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment")
    make -C "$src" olddefconfig
    missing="$(missing_options)"
    if [[ -n "$missing" ]]; then
      echo "error: these options from $fragment are not in the final .config (unmet dependencies?):" >&2
      printf '  %s\n' $missing >&2
      exit 1
    fi
    echo "all options of $fragment are set"
    ;;
  image)
    jobs="${VIREO_JOBS:-2}"
    nice make -C "$src" -j"$jobs" Image
    cp "$src/arch/riscv/boot/Image" "$dir/Image"
    cp "$src/.config" "$dir/config"
    rm -rf "$src"
    ;;
  *)
    echo "usage: build-kernel.sh config|image DIR" >&2
    exit 2
    ;;
esac
