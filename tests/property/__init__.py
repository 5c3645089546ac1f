"""Property-based tests (hypothesis): bad input gives a clear error naming the field, nothing half-written."""
