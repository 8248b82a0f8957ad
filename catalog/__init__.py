"""The catalog of candidate backbones: declarative TOML records and their loader.

Standard library only (no torch): ``advisor catalog list`` and availability checks stay fast.
"""

from catalog.catalog import Catalog
from catalog.errors import CatalogError
from catalog.loader import load_catalog
from catalog.local import entry_from_path
from catalog.schema import Entry
from catalog.weights_location import WeightsLocation, availability, resolve

__all__ = [
    "Catalog",
    "CatalogError",
    "Entry",
    "WeightsLocation",
    "availability",
    "entry_from_path",
    "load_catalog",
    "resolve",
]
