"""Streamlit-aware helpers (the only part of shnor/ that imports streamlit): the cached store, the page
guard, meeting mode, formatting and charts. Pages stay thin: read filters, call shnor, render."""
