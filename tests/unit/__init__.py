"""Pure code, no network and no app: parsers, derivations, reactions, the gate, the
architecture. Seconds in all: run these first."""
