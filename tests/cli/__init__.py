"""Tests of the ``therapist-desk`` command line, run as real subprocesses on real vaults."""
