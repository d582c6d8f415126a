"""Dialogs: person picker, export, settings."""
