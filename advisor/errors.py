"""User-facing errors: what went wrong and how to fix it, never a traceback."""


class AdvisorError(ValueError):
    """A problem with the user's input or environment.

    The CLI prints the message and exits with status 2; library callers can catch
    ``ValueError``. Messages name the problem and the fix.
    """


class DataError(AdvisorError):
    """The labelled data cannot be used as given."""


class CatalogError(AdvisorError):
    """A catalog entry or file is missing or malformed."""


class ModelLoadError(AdvisorError):
    """A backbone's weights cannot be loaded (missing package, no network, corrupt file)."""


class CheckpointError(AdvisorError):
    """A fine-tuning run folder or checkpoint is missing, corrupt or in the way."""


class Cancelled(Exception):
    """Raised inside workers when the caller's cancel event is set."""
