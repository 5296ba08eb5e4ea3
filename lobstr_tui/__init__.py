"""lobstr-tui: a terminal cockpit for lobstr.io scraping runs."""

__version__ = "0.1.0"
