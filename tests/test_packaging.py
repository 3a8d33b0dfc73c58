"""The distribution's metadata: its own name on PyPI, one version, the extras installable on 3.11 to 3.13."""
import re
import tomllib

import pytest

import podcaster
from podcaster import models

from conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_distribution_is_not_pypis_other_podcaster_but_the_command_is_podcaster():
    assert PROJECT["name"] == "podcaster-daily"
    assert PROJECT["scripts"] == {"podcaster": "podcaster.cli:main"}


def test_one_version():
    assert PROJECT["version"] == podcaster.__version__


def test_install_hints_name_the_distribution():
    assert "pip install 'podcaster-daily[offline]'" in models.OFFLINE_HINT
    hints = re.compile(r"""pip install ['"]?podcaster\[""")     # the unrelated project on PyPI
    for path in [*(ROOT / "podcaster").rglob("*.py"), ROOT / "README.md"]:
        assert not hints.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("python, kokoro", [("3.11", True), ("3.12", True), ("3.13", False)])
def test_the_extras_install_on_every_supported_python(python, kokoro):
    """kokoro 0.9.4 requires Python < 3.13: the extras leave it out there (the onnx runtime speaks)."""
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    assert python in SpecifierSet(PROJECT["requires-python"])
    assert f"Programming Language :: Python :: {python}" in PROJECT["classifiers"]
    for extra in ("offline", "gpu"):
        wanted = {r.name for r in map(Requirement, PROJECT["optional-dependencies"][extra])
                  if r.marker is None or r.marker.evaluate({"python_version": python, "extra": extra})}
        assert ("kokoro" in wanted) is kokoro and "onnx" in wanted, (extra, python)


def test_the_license_is_the_one_declared():
    assert PROJECT["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
