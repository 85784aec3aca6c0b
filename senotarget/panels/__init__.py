"""Panels: loading, validation, extraction from documents, and the built-in panel data.

The built-in panels are ``*.toml`` here; ``vocabulary/`` holds the phrases and aliases that
``targets from-doc`` grounds a document's words with.
"""
