"""AppTest smoke runs of the Streamlit app's pages."""

import pytest
from conftest import ROOT

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def test_home_page_runs_and_explains_how_to_start():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "textae" in at.title[0].value
    text = " ".join(c.value for c in at.code)
    assert "train.py --preset daae" in text
