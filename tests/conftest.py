"""Suite-wide settings: no network, and a private feature cache per test session."""

import os

import pytest

# Tests never reach the hub; hub code must fail fast, and this makes that explicit.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@pytest.fixture(autouse=True, scope="session")
def _private_feature_cache(tmp_path_factory):
    """Keep the user's cache untouched: every session gets its own feature cache."""
    previous = os.environ.get("ADVISOR_CACHE_DIR")
    os.environ["ADVISOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("advisor-cache"))
    yield
    if previous is None:
        os.environ.pop("ADVISOR_CACHE_DIR", None)
    else:
        os.environ["ADVISOR_CACHE_DIR"] = previous
