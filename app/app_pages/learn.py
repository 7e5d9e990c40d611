"""Learn page."""

import streamlit as st

st.title("Learn")
st.write("Coming together: this page is being built.")
