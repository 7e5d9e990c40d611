"""Who is using the app: an unguessable owner token kept in the URL and the session.

The token lives in the ``u`` query parameter so a reload, or the same link in a new tab, finds the
same runs; it is mirrored in session state so switching pages (which may drop query parameters)
keeps it too. Runs are visible only to their owner unless shared.
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

OWNER_PARAM = "u"
_SESSION_KEY = "owner_token"
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def current_owner() -> str:
    """The owner token of this browser session, created on first visit."""
    token = st.query_params.get(OWNER_PARAM) or st.session_state.get(_SESSION_KEY)
    if not token or not _TOKEN_PATTERN.fullmatch(token):
        token = secrets.token_urlsafe(18)
    st.session_state[_SESSION_KEY] = token
    if st.query_params.get(OWNER_PARAM) != token:
        st.query_params[OWNER_PARAM] = token
    return token
