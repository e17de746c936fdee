"""Deadlines and cancellation (issue 8, items 1-6), proven against a hostile local server."""
