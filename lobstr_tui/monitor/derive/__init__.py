"""What a snapshot says, seen from one place: pure functions of snapshots."""
