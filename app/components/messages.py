"""One way to show an error in the page: always escaped, one line, never a traceback.

User text (file and column names) and worker text (a run's error) can hold Markdown or HTML; shown
through ``show_error`` they read literally.
"""

from __future__ import annotations

import re

import streamlit as st

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#$~|!])")


def escape_markdown(text: object) -> str:
    """``text`` shown literally by st.markdown/st.error (no emphasis, links, HTML or LaTeX)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def show_error(error: object, icon: str | None = ":material/error:") -> None:
    """``st.error`` of ``error`` (an exception or a sentence), escaped."""
    st.error(escape_markdown(error), icon=icon)


def show_warning(message: object, icon: str | None = None) -> None:
    """``st.warning`` of ``message``, escaped (for errors that leave the page usable)."""
    st.warning(escape_markdown(message), icon=icon)
