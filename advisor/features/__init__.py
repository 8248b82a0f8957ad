"""Feature extraction with an on-disk cache (torch is imported lazily).

from advisor.features import extract, FeatureCache
fs = extract("tf_efficientnet_lite0.in1k", data)     # FeatureSet: features, source_probs
"""

from advisor.features.cache import FeatureCache, cache_key, default_cache_root
from advisor.features.extraction import extract
from advisor.features.featureset import FeatureSet

__all__ = ["FeatureCache", "FeatureSet", "cache_key", "default_cache_root", "extract"]
