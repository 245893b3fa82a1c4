"""The version of propscan (one place: pyproject reads it, and so does everything else)."""

__version__ = "0.1.0"
