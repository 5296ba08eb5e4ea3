"""`python -m lobstr_tui` runs the same command as `lobstr-tui`."""

from lobstr_tui.cli import main

raise SystemExit(main())
