"""A missing optional dependency fails in one line that names the extra to install."""

import pytest

from aurora.errors import require_extra


def test_an_installed_module_passes():
    require_extra("json", distribution="aurora-x", extra="json", feature="Thing")


def test_a_missing_module_names_the_pip_command():
    with pytest.raises(ModuleNotFoundError) as caught:
        require_extra(
            "no_such_module_xyz.sub", distribution="aurora-app", extra="redis", feature="Backend"
        )
    assert str(caught.value) == "Backend needs no_such_module_xyz: pip install 'aurora-app[redis]'"
    assert caught.value.name == "no_such_module_xyz"
