"""Widgets that show lobstr.io: squids, runs, a run's detail, the board, the bars."""
