"""Text for the screen: numbers, times, statuses and dialog lines (no widgets)."""
