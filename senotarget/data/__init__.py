"""Vocabulary tables shipped as data."""
