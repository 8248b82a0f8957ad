"""The catalog of candidate backbones: declarative TOML records and their loader."""

from catalog.schema import Entry

__all__ = ["Entry"]
