#!/usr/bin/env bash
# Builds KenLM's `lmplz` (ARPA estimation) and `build_binary` (ARPA -> binary) from the `kenlm` sdist that
# constraints.txt pins, and installs the two programs into DEST (default: tools/kenlm/bin under the repository).
# `llamix lm train` needs them; the `kenlm` Python package only loads and queries models.
#
#   scripts/build_kenlm_tools.sh [DEST]        (or: make kenlm-tools)
#
# Idempotent: when DEST already holds both programs built from the pinned version, it does nothing.
# Debian/Ubuntu build dependencies that are missing are installed with apt-get (as root, or through sudo).
# Takes about 70 seconds on 2 cores (10 s download, the rest compiling); apt-get adds ~10 s when it has work.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/tools/kenlm/bin}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
STAMP_NAME=".kenlm-version"

# The version pinned in constraints.txt; 0.3.0 is the release this script was written against.
VERSION="$(sed -n 's/^kenlm==\([^ ;#]*\).*/\1/p' "$ROOT/constraints.txt" 2>/dev/null | head -n 1)"
VERSION="${VERSION:-0.3.0}"

log() { echo "build_kenlm_tools: $*" >&2; }

if [[ -x "$DEST/lmplz" && -x "$DEST/build_binary" && "$(cat "$DEST/$STAMP_NAME" 2>/dev/null)" == "$VERSION" ]]; then
    log "lmplz and build_binary (kenlm $VERSION) already in $DEST"
    exit 0
fi

# What KenLM's CMakeLists.txt asks for when building lmplz and build_binary: a C++11 compiler, CMake >= 3.10 and
# Boost >= 1.41 with program_options, system, thread and unit_test_framework (find_package(Boost ... REQUIRED)
# names the test framework even when tests are off). zlib is optional (util/CMakeLists.txt, compressed input);
# bzip2, lzma and Eigen3 are optional too and not needed here.
DEBIAN_PACKAGES=(cmake make g++ libboost-program-options-dev libboost-system-dev libboost-thread-dev
                 libboost-test-dev zlib1g-dev)

install_build_dependencies() {
    if ! command -v dpkg-query >/dev/null; then
        for tool in cmake make g++; do
            command -v "$tool" >/dev/null || { log "need $tool and Boost (program_options, system, thread, test)"; exit 1; }
        done
        return
    fi
    local missing=()
    for package in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null || { log "missing ${missing[*]}; install them as root"; exit 1; }
        sudo=(sudo)
    fi
    log "installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_build_dependencies

if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON="$(command -v python3)"; fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# --no-binary kenlm: the sdist, which carries the C++ sources. pip prepares the sdist's metadata, which installs its
# build requirements (setuptools, wheel, cmake); --only-binary keeps those as wheels instead of compiling CMake.
log "downloading the kenlm $VERSION sdist"
"$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary kenlm \
    --only-binary cmake,setuptools,wheel --dest "$WORK" "kenlm==$VERSION"
tar -xzf "$WORK"/kenlm-"$VERSION".tar.gz -C "$WORK"
SOURCE="$WORK/kenlm-$VERSION"

log "building lmplz and build_binary with $JOBS jobs"
cmake -S "$SOURCE" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DCOMPILE_TESTS=OFF -DBUILD_TESTING=OFF \
    >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log" >&2; exit 1; }
cmake --build "$WORK/build" --target lmplz build_binary -j "$JOBS" >"$WORK/build.log" 2>&1 \
    || { tail -n 50 "$WORK/build.log" >&2; exit 1; }

mkdir -p "$DEST"
install -m 0755 "$WORK/build/bin/lmplz" "$WORK/build/bin/build_binary" "$DEST/"
echo "$VERSION" >"$DEST/$STAMP_NAME"
log "installed $DEST/lmplz and $DEST/build_binary (kenlm $VERSION)"
