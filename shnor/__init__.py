"""ШНОР monitor core: storage, importers, the identification rule. No Streamlit here (except shnor.ui)."""
