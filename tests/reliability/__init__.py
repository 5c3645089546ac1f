"""Fault tests: kills during writes, a full disk, damaged files, a second copy, backups."""
