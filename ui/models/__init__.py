"""Qt item models over the core's services (no SQL here)."""
