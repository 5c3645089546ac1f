"""Plain domain objects, enums and validation rules; imports nothing of the app."""
