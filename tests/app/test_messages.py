"""Errors and warnings in the page are shown literally: Markdown and HTML in user or worker text
never render."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page():
    from app.components.messages import show_error, show_warning

    show_error(ValueError("Column **`<b>sales</b>`** [link](http://example.invalid) is constant."))
    show_warning("The worker said: _oops_ $x^2$")


def test_show_error_and_warning_escape_their_text():
    at = AppTest.from_function(_page).run()
    assert not at.exception
    error, warning = at.error[0].value, at.warning[0].value
    # Every Markdown special is escaped, so the browser shows the characters themselves.
    assert error == r"Column \*\*\`\<b\>sales\</b\>\`\*\* \[link\](http://example.invalid) is constant."
    assert warning == r"The worker said: \_oops\_ \$x^2\$"
