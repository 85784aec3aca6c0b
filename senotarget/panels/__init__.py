"""Built-in panels (TOML data)."""
