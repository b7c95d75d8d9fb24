"""Moving data between machines: package files (export, streaming import), CSV for
spreadsheets, and backup/restore. File formats: FORMATS.md (README: File formats)."""
