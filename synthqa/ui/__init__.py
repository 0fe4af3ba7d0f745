"""Streamlit helpers: the only synthqa code that imports streamlit."""
