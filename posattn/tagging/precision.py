"""The number format a trained model tags in: float32, or bfloat16 where the CPU multiplies it
fast.

bfloat16 keeps float32's range with 8 bits of mantissa; on a CPU with AMX or AVX-512 BF16 its
matrix products run several times faster than float32's. The weights are converted once, when
the model is loaded (`torch.autocast` converts them again at every call, which cost what it
saved): all of the network but the character encoder, whose vectors are computed once per form
and cached, and the CRF; the probabilities are computed in float32. Training is always float32.
"""

from __future__ import annotations

from typing import Literal

import torch

from posattn.errors import PosattnError

Precision = Literal["auto", "float32", "bfloat16"]
PRECISIONS: tuple[Precision, ...] = ("auto", "float32", "bfloat16")


def bfloat16_hardware() -> str | None:
    """What makes this CPU multiply bfloat16 fast (`AMX`, `AVX-512 BF16`), or None. Asked of
    torch's own CPU checks (which read the CPUID flags); a torch without them answers None."""
    checks = (("AMX", "_is_amx_tile_supported"), ("AVX-512 BF16", "_is_avx512_bf16_supported"))
    for name, check in checks:
        probe = getattr(torch.cpu, check, None)
        if probe is not None and probe():
            return name
    return None


def resolve(precision: str, device: torch.device) -> torch.dtype:
    """The dtype `precision` means on `device`: `auto` is bfloat16 on a CPU that multiplies it
    fast, float32 elsewhere (a GPU too: its own fast formats are not chosen for it here)."""
    if precision not in PRECISIONS:
        raise PosattnError(f"precision={precision!r}: choose one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        fast = device.type == "cpu" and bfloat16_hardware() is not None
        return torch.bfloat16 if fast else torch.float32
    return torch.bfloat16 if precision == "bfloat16" else torch.float32


def name_of(dtype: torch.dtype) -> Precision:
    return "bfloat16" if dtype == torch.bfloat16 else "float32"
