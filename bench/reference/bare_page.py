"""The smallest Streamlit page: what any rerun costs on this machine before a page does anything."""

import streamlit as st

st.write("LSTM Lab")
