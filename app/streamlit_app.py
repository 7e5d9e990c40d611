"""LSTM Lab entry point: page config, navigation with sections, shared sidebar.

Everything runs under the ``__main__`` guard: spawned Dask worker processes import the main module
as ``__mp_main__`` and must not re-run the UI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run app/streamlit_app.py` puts app/ on the path; the project root holds `models`.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGES_DIR = Path(__file__).parent / "app_pages"
# A file served by the app itself: a ":material/...:" page icon makes the browser fetch the favicon
# from a font host, which fails offline and sends a request off the machine.
FAVICON = Path(__file__).parent / "assets" / "favicon.png"


def main() -> None:
    """Configure the page and run the selected one."""
    from app.components.messages import show_error
    from app.identity import current_owner, keep_in_browser
    from models.errors import LabError

    st.set_page_config(page_title="LSTM Lab", page_icon=str(FAVICON), layout="wide")
    pages = {
        "": [st.Page(PAGES_DIR / "home.py", title="Home", icon=":material/home:", default=True)],
        "Train": [
            st.Page(PAGES_DIR / "forecast.py", title="Forecast", icon=":material/show_chart:",
                    url_path="forecast"),
            st.Page(PAGES_DIR / "digits.py", title="Digits", icon=":material/draw:", url_path="digits"),
        ],
        "Understand": [
            st.Page(PAGES_DIR / "learn.py", title="Learn", icon=":material/school:", url_path="learn"),
            st.Page(PAGES_DIR / "runs.py", title="Runs", icon=":material/table_rows:", url_path="runs"),
        ],
    }
    page = st.navigation(pages)
    with st.sidebar:
        st.caption("LSTM Lab — train recurrent networks and see honestly whether they beat "
                   "simple baselines.")
        keep_in_browser(current_owner())
    try:
        page.run()
    except LabError as error:  # e.g. a damaged run store or a full disk: one sentence, no traceback
        show_error(error)


if __name__ == "__main__":
    main()
