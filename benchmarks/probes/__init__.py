"""Scripts the runner starts in fresh processes (start-up, unlock and memory are per process)."""
