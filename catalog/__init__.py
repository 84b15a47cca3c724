"""Catalog data of the built-in plugins (YAML files; no code)."""
