"""What is known, as immutable values, and the pure merges of answers into it."""
