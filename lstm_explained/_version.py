"""The package's version: one place for the package, its command and its build."""

__version__ = "0.1.0"
