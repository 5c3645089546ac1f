"""Pure PDF renderers: frozen domain data in, PDF bytes out; no database access."""
