"""Choosing an engine: local by default, a clear install message when the ray extra is missing."""

from __future__ import annotations

import sys

import pytest

import advisor
from advisor.cli.main import main
from advisor.engines import LocalEngine
from advisor.engines.select import MISSING_RAY, get_engine
from advisor.errors import AdvisorError


@pytest.fixture
def no_ray(monkeypatch):
    """An install without the extra: `import ray` fails as it does when ray is absent."""
    import advisor.engines

    monkeypatch.setitem(sys.modules, "ray", None)
    for name in ("ray_engine", "ray_tune"):
        monkeypatch.delitem(sys.modules, f"advisor.engines.{name}", raising=False)
        # An earlier Ray test left the submodule as the package's attribute too, and
        # `from advisor.engines import ray_engine` would return that without importing.
        monkeypatch.delattr(advisor.engines, name, raising=False)


def test_local_is_the_default_and_an_engine_object_passes_through():
    assert isinstance(get_engine(None), LocalEngine)
    assert isinstance(get_engine("local"), LocalEngine)
    mine = LocalEngine()
    assert get_engine(mine) is mine
    with pytest.raises(AdvisorError, match="engine must be one of 'local', 'ray'"):
        get_engine("dask")


def test_a_missing_ray_extra_names_the_install_command(no_ray):
    with pytest.raises(AdvisorError) as info:
        get_engine("ray")
    assert str(info.value) == MISSING_RAY
    assert "pip install 'transfer-advisor[ray]'" in str(info.value)
    with pytest.raises(AdvisorError, match=r"transfer-advisor\[ray\]"):  # before any work
        advisor.rank("digits", candidates=["efficientnet_lite0"], engine="ray")


def _exit_code(argv) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return exc.code
    return 0


def test_the_cli_exits_2_with_the_message_and_no_traceback(no_ray, capsys):
    code = _exit_code(["rank", "digits", "--models", "efficientnet_lite0", "--engine", "ray"])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'transfer-advisor[ray]'" in err
    assert "Traceback" not in err


def test_a_ray_address_without_the_ray_engine_is_refused(capsys):
    code = _exit_code(["race", "digits", "--models", "a,b", "--ray-address", "ray://head:1"])
    assert code == 2
    assert "add --engine ray" in capsys.readouterr().err
