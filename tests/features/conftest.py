import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    """The test machine is shared; one intra-op thread keeps runs predictable."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
