"""Runs page."""

import streamlit as st

st.title("Runs")
st.write("Coming together: this page is being built.")
