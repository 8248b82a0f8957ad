"""One torch intra-op thread for the suites that run real forward passes."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    """The test machine is shared; one intra-op thread keeps runs predictable."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
