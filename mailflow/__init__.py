"""mailflow: keeps the small promises of client email."""

__version__ = "0.1.0"
