"""The version of replicate_async, the single source (also used in the User-Agent)."""

__version__ = "0.1.0"
