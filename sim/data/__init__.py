"""Published figures shipped with sim (see README.md here for provenance and licence)."""
