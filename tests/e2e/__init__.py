"""The installed command in real terminals (tmux, a pty), real processes, the served page
in a real browser, and the benchmarks' smoke run."""
