"""The packaging configuration: a clean `pip install -e .` is quiet (issue #11).

setuptools warns "Please be careful with folders in your working directory with the same name
as your package" when an editable install of a flat layout has to guess where the package
lives and falls back to an import finder. With the layout spelt out (package-dir "" = "."), it
uses a plain path entry and says nothing. Checked by hand with
`python -m venv /tmp/v && /tmp/v/bin/pip install -e . 2>&1 | grep -i warning`; a real install
per test run would cost half a minute, so this test checks the configuration that makes it so.
"""

from __future__ import annotations

import tomllib

from bot.config import PROJECT_ROOT


def test_the_flat_layout_is_explicit():
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"] == {"": "."}
    assert config["packages"]["find"]["include"] == ["bot*"]
    assert (PROJECT_ROOT / "bot" / "__init__.py").is_file()
