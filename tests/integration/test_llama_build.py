"""The installed llama.cpp is the portable build: no AMX or AVX-512 instruction anywhere in its libraries.

This is what makes a wheel built on one machine safe on another (issue 12: AMX kernels crashed batched
prompt processing with SIGSEGV). Checked on the real installed files with binutils' objdump.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

from tests.llamautil import local_gguf

# AMX tile instructions, and any use of the 512-bit zmm registers (AVX-512).
FORBIDDEN = re.compile(r"\b(tdpb\w+|tdpfp16ps|tileloadd\w*|ldtilecfg|sttilecfg|tilezero)\b|%zmm\d")


def native_libraries() -> list[Path]:
    local_gguf()  # skips without llama.cpp, fails under REQUIRE_LLAMA=1
    spec = importlib.util.find_spec("llama_cpp")
    assert spec is not None and spec.submodule_search_locations
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib"
    found = sorted(p for p in lib.glob("*.so") if p.is_file())
    assert found, f"no shared libraries under {lib}"
    return found


def test_no_amx_or_avx512_instruction_in_the_installed_build() -> None:
    objdump = shutil.which("objdump")
    assert objdump, "binutils' objdump is needed (it comes with gcc, which the build needs anyway)"
    for library in native_libraries():
        listing = subprocess.run(
            [objdump, "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True, check=True
        ).stdout
        assert "ymm" in listing or library.name != "libggml-cpu.so"  # AVX2 kernels are there
        hits = FORBIDDEN.findall(listing)
        assert not hits, f"{library.name}: {len(hits)} AMX/AVX-512 instructions, e.g. {hits[:3]}"


def test_the_detector_would_see_them() -> None:
    sample = "vpdpbusd %zmm1,%zmm2,%zmm3\n tdpbssd %tmm0,%tmm1,%tmm2\n ldtilecfg (%rax)"
    assert len(FORBIDDEN.findall(sample)) == 5  # 3 zmm, tdpbssd, ldtilecfg
