"""Metadata other photo tools wrote: face regions and their names, read safely."""
