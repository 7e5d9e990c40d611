"""Digits page."""

import streamlit as st

st.title("Digits")
st.write("Coming together: this page is being built.")
