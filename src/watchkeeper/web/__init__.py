"""The web layer: the screening API (and, later, the workbench)."""
