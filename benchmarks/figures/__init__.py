"""One module per group of figures; each function takes a Context and returns Results."""
