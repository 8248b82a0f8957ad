"""``--engine`` and ``--ray-address``, shared by rank, verify and race (docs/scale.md)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer


class EngineChoice(str, Enum):
    local = "local"
    ray = "ray"


EngineOption = Annotated[
    EngineChoice,
    typer.Option(
        "--engine",
        help="Where the work runs: local (this process) or ray (each candidate a Ray task, "
        "fine-tunes as Ray Tune trials; needs pip install 'transfer-advisor[ray]').",
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="Ray cluster to join with --engine ray (default: $RAY_ADDRESS, else a local Ray).",
    ),
]


def engine_from_options(engine: EngineChoice, ray_address: str | None):
    """The engine the options ask for; a missing ray extra is the clear install message."""
    from advisor.engines.select import get_engine
    from advisor.errors import AdvisorError

    if ray_address and engine is not EngineChoice.ray:
        raise AdvisorError(f"--ray-address {ray_address} joins a Ray cluster; add --engine ray")
    return get_engine(engine.value, address=ray_address)
