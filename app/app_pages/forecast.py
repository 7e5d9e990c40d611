"""Forecast page."""

import streamlit as st

st.title("Forecast")
st.write("Coming together: this page is being built.")
