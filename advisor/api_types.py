"""The types of the public API's parameters, for signatures and type checkers only.

Kept apart from ``advisor.validation`` (which the data layer imports) so that naming
``LabelledData`` or ``Backbone`` here makes no import cycle; nothing heavy is imported at
run time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, TypeAlias, Union

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from advisor.data import LabelledData
    from advisor.models import Backbone
    from catalog import Entry


class CancelFlag(Protocol):
    """What ``cancel=`` takes: a ``threading.Event`` or anything with ``is_set()``."""

    def is_set(self) -> bool: ...


DataLike: TypeAlias = Union[str, "os.PathLike[str]", "LabelledData"]
ModelLike: TypeAlias = Union[str, "Entry", "Backbone"]
CandidatesLike: TypeAlias = Union[str, "Iterable[ModelLike]"]
DeviceLike: TypeAlias = Union[str, "torch.device"]

__all__ = ["CancelFlag", "CandidatesLike", "DataLike", "DeviceLike", "ModelLike"]
