"""Who is using the app: an unguessable owner token kept in a cookie of this browser.

The token is what lets a person cancel, share and delete their runs, so it never travels in the
address: a copied address bar or a sent link opens a run (once shared) to view, never to act on.
Every tab of the same browser sends the cookie, so a reload or a new tab is the same person.

Streamlit reads cookies once per session (when the page connects), and a cookie written by the page
only arrives with the next session; the token is therefore kept in session state as well, so the
first visit never mints a second identity. An identity is never taken from the address: a link
with ``?u=<token>`` (how addresses carried it once) could otherwise plant the sender's identity in
the receiver's browser, whose uploads and runs would then land on the sender's Runs page. The
parameter is dropped from the address and ignored.

The cookie cannot be HttpOnly: Streamlit gives a page no way to set response headers, so the page's
own script writes it (SameSite=Strict, and Secure over https). Nothing on our pages runs another
party's script, and user text is always escaped.
"""

from __future__ import annotations

import json
import re
import secrets

import streamlit as st

OWNER_COOKIE = "lstmlab_owner"
OLD_OWNER_PARAM = "u"  # addresses once carried the token this way; now dropped and ignored
_SESSION_KEY = "owner_token"
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_COOKIE_DAYS = 400  # the longest lifetime browsers accept


def _valid(token: object) -> bool:
    return isinstance(token, str) and _TOKEN_PATTERN.fullmatch(token) is not None


def current_owner() -> str:
    """The owner token of this browser, created on the first visit."""
    token = st.session_state.get(_SESSION_KEY)
    if not _valid(token):
        from_cookie = st.context.cookies.get(OWNER_COOKIE)
        st.session_state[_SESSION_KEY] = from_cookie if _valid(from_cookie) else secrets.token_urlsafe(18)
    if OLD_OWNER_PARAM in st.query_params:
        del st.query_params[OLD_OWNER_PARAM]
    owner: str = st.session_state[_SESSION_KEY]  # a valid token: checked or set just above
    return owner


def keep_in_browser(token: str) -> None:
    """Write the owner cookie when the browser does not hold this token yet (draws nothing)."""
    if st.context.cookies.get(OWNER_COOKIE) == token:
        return
    value = json.dumps(f"{OWNER_COOKIE}={token}; Max-Age={_COOKIE_DAYS * 86400}; Path=/; SameSite=Strict")
    st.html(f"<script>document.cookie = {value} + (location.protocol === 'https:' ? '; Secure' : '');"
            "</script>", unsafe_allow_javascript=True)
