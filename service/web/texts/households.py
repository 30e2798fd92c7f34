"""Dutch texts of the households pages (English text → Dutch)."""

DUTCH: dict[str, str] = {}
