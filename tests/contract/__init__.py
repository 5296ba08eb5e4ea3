"""The API client and the simulated lobstr.io over loopback HTTP: the documented contract,
its quirks, hostile answers."""
