"""explorer/streamlit_private.py: the one user of Streamlit's internals, and its check of the version."""

import re
import subprocess
import sys
import tomllib

import pytest
from helpers import ROOT
from packaging.specifiers import SpecifierSet

sp = pytest.importorskip("explorer.streamlit_private")


def test_the_supported_range_is_the_requirements_and_a_version_outside_it_is_said():
    import streamlit

    pinned = re.search(r"^streamlit(\S+)", (ROOT / "requirements.in").read_text(), re.M).group(1)
    app = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["app"]
    ranges = [pinned, *(d.removeprefix("streamlit") for d in app if d.startswith("streamlit"))]
    assert len(ranges) == 2 and all(SpecifierSet(r) == sp.SUPPORTED for r in ranges), ranges
    assert sp.unsupported() == "" and sp.unsupported(streamlit.__version__) == ""
    for version in ("1.66.2", "1.68.0", "2.0"):
        why = sp.unsupported(version)
        assert f"Streamlit {version} is installed" in why and str(sp.SUPPORTED) in why and "pip install" in why
        with pytest.raises(sp.StreamlitVersionError, match=f"Streamlit {re.escape(version)} is installed"):
            sp.require(version)
    sp.require()  # this one is inside


def test_importing_it_under_another_streamlit_warns():
    code = (
        "import warnings, streamlit; streamlit.__version__ = '1.99.0'; warnings.simplefilter('error');\n"
        "import explorer.streamlit_private"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "StreamlitVersionWarning: Streamlit 1.99.0 is installed" in run.stderr


def test_nothing_else_reaches_into_streamlit_s_internals():
    """Only the adapter imports streamlit.runtime or an underscored name of Streamlit's, or reads AppTest's
    private attributes."""
    private = re.compile(r"streamlit\.(runtime|components\.v2\.bidi_component)|\bat\._\w+|import _\w+|\brt\._")
    files = [
        *ROOT.glob("*.py"),
        *(ROOT / "explorer").rglob("*.py"),
        *(ROOT / "app_pages").glob("*.py"),
        *(ROOT / "tests").glob("*.py"),
        *(ROOT / "benchmarks").glob("*.py"),
    ]
    found = [
        f"{f.relative_to(ROOT)}:{i}"
        for f in files
        if f.name not in ("streamlit_private.py", __name__ + ".py")
        for i, line in enumerate(f.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert not found, found
