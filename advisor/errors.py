"""User-facing errors: what went wrong and how to fix it, never a traceback."""


# Defined in catalog (the lowest layer, which may not import advisor); one class each.
from catalog.errors import AdvisorError, CatalogError  # noqa: E402,F401


class DataError(AdvisorError):
    """The labelled data cannot be used as given."""


class ModelLoadError(AdvisorError):
    """A backbone's weights cannot be loaded (missing package, no network, corrupt file)."""


class CheckpointError(AdvisorError):
    """A fine-tuning run folder or checkpoint is missing, corrupt or in the way."""


class Cancelled(Exception):
    """Raised inside workers when the caller's cancel event is set."""
