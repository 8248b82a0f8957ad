"""One local Ray (2 CPUs, as CI has) for every Ray test of this package: it starts in seconds."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
# As RayEngine.connect does for the Ray it starts: workers at normal priority, so a busy
# machine does not starve them (Ray's default niceness is 15).
os.environ.setdefault("RAY_worker_niceness", "0")


@pytest.fixture(scope="package")
def ray_cluster():
    ray = pytest.importorskip("ray", reason="the ray extra: pip install 'transfer-advisor[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


@pytest.fixture(autouse=True, scope="package")
def _one_thread():
    import torch

    torch.set_num_threads(1)  # the Ray workers run one thread each (one CPU per task)
