"""The real app driven by Textual's Pilot against the simulator (and SVG snapshots)."""
