"""Screens: the main screen, the board, and the dialogs (confirm, help, profile)."""
