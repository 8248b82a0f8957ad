"""Lazy package attributes (PEP 562): heavy modules load on first use, not on import."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Mapping
from importlib import import_module


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` resolving ``exports`` (name -> defining module) on first use."""

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    return __getattr__


def deprecated_alias(
    package: str,
    getattr_: Callable[[str], object],
    aliases: Mapping[str, str],
    *,
    removed_in: str,
) -> Callable[[str], object]:
    """Wrap a module ``__getattr__`` so old names still work, with a DeprecationWarning.

    Each lookup of an old name warns (it is never cached on the module, so every use is
    seen) and returns the object of the new name.
    """

    def __getattr__(name: str) -> object:
        if name in aliases:
            new = aliases[name]
            warnings.warn(
                f"{package}.{name} is deprecated and will be removed in {removed_in}; "
                f"use {package}.{new}",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(sys.modules[package], new)
        return getattr_(name)

    return __getattr__
