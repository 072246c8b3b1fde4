#!/usr/bin/env bash
# The one recipe for the embedded model's native code (llama-cpp-python), used by the Makefile (so by CI)
# and by the Dockerfile.
#   scripts/install-llama.sh PYTHON              build once (cached by recipe) and install into PYTHON's venv
#   scripts/install-llama.sh --print-dir PYTHON  where that recipe's wheel lives (nothing is built)
# LLAMA_CMAKE_ARGS in the environment replaces the recipe, for measuring other builds (bench/, docs/).
#
# Why portable: a native build (-march=native, llama.cpp's default) on a Xeon with AMX contains AMX kernels
# that crashed batched prompt processing with SIGSEGV on machines of our kind (issue 12), and pip's wheel
# cache hands a wheel built on one CPU to another. GGML_NATIVE=OFF builds the x86-64 AVX2/FMA/F16C baseline
# (Haswell and newer) with no AVX-512 and no AMX: the same bytes run on every machine we deploy to.
# docs/local-model.md has the measurements behind the choice.
set -euo pipefail
cd "$(dirname "$0")/.."

print_dir=0
if [ "${1:-}" = "--print-dir" ]; then print_dir=1; shift; fi
PY=${1:?usage: scripts/install-llama.sh [--print-dir] PYTHON}
PORTABLE="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
LLAMA_CMAKE_ARGS=${LLAMA_CMAKE_ARGS:-$PORTABLE}

version=$(sed -n 's/^llama-cpp-python==\([^ ]*\).*/\1/p' constraints.txt)
[ -n "$version" ] || { echo "constraints.txt must pin llama-cpp-python==X.Y.Z" >&2; exit 1; }

# The wheel is keyed by everything that changes its bytes: a changed recipe or version builds anew, and a
# wheel from another recipe (or pip's own cache, keyed only by the sdist) is never picked up silently.
pyver=$("$PY" -c 'import sys, platform; print(sys.implementation.cache_tag, platform.machine())')
key=$(printf '%s\n' "$version" "$LLAMA_CMAKE_ARGS" "$pyver" | sha256sum | cut -c1-16)
cache=${SENTIENT_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sentient-factory/wheels}
dir="$cache/llama-cpp-python-$version-$key"
if [ "$print_dir" = 1 ]; then echo "$dir"; exit 0; fi

if ! compgen -G "$dir/llama_cpp_python-*.whl" >/dev/null; then
    echo "building llama-cpp-python $version ($LLAMA_CMAKE_ARGS; ~5 min on 2 cores, once per recipe)" >&2
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        "$PY" -m pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
        -w "$dir.tmp" "llama-cpp-python==$version"
    printf '%s\n' "$LLAMA_CMAKE_ARGS" >"$dir.tmp/RECIPE"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
"$PY" -m pip install --quiet --no-deps --force-reinstall "$dir"/llama_cpp_python-*.whl
# The recipe travels with the install, so `sentient doctor` can say how this copy was built.
site=$("$PY" -c 'import importlib.util as u; print(u.find_spec("llama_cpp").submodule_search_locations[0])')
cp "$dir/RECIPE" "$site/SENTIENT_BUILD_RECIPE"
