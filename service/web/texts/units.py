"""Dutch texts of the units pages (English text → Dutch)."""

DUTCH: dict[str, str] = {}
