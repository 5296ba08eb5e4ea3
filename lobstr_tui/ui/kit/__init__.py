"""Textual parts that know nothing of lobstr.io: tables, columns, prompts, refitting."""
