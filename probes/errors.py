"""The probes' one documented error: the input cannot be scored as given.

A ``ValueError`` subclass, so callers that catch ``ValueError`` keep working; the advisor
treats it (and only it, besides ``AdvisorError``) as the user's to fix.
"""


class ProbeInputError(ValueError):
    """Features, labels or probabilities that a probe cannot use; the message names the fix."""
