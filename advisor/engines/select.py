"""``engine=`` as the library and the CLI take it: "local", "ray" or an Engine object.

The Ray engine is imported only when asked for, so ``import advisor`` never loads ray; a
missing extra is a user error that names the install command.
"""

from __future__ import annotations

import os
from typing import Any

from advisor.errors import AdvisorError

ENGINES = ("local", "ray")
MISSING_RAY = (
    "the ray engine needs the ray extra: pip install 'transfer-advisor[ray]' "
    "(or pass engine='local' / --engine local)"
)


def get_engine(engine: Any = None, *, address: str | None = None, **options: Any):
    """An Engine: None or "local" -> LocalEngine; "ray" -> RayEngine (``address``: a Ray
    cluster, else $RAY_ADDRESS, else a local Ray); an object with ``score`` and ``race`` as is."""
    if engine is None or engine == "local":
        from advisor.engines.local import LocalEngine

        return LocalEngine()
    if engine == "ray":
        ray_engine = _ray_engine_module()
        return ray_engine.RayEngine(
            address=address or os.environ.get("RAY_ADDRESS") or None, **options
        )
    if all(callable(getattr(engine, m, None)) for m in ("score", "trials", "race")):
        return engine
    raise AdvisorError(
        f"engine must be one of {', '.join(map(repr, ENGINES))} or an Engine object "
        f"(got {engine!r}); pass engine='local' or engine='ray'"
    )


def _ray_engine_module():
    """advisor.engines.ray_engine (which imports ray and Tune), or the install message."""
    try:
        from advisor.engines import ray_engine, ray_tune  # noqa: F401
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "ray":
            raise  # a bug in this package, not a missing extra
        raise AdvisorError(MISSING_RAY) from exc
    return ray_engine
