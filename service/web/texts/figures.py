"""Dutch texts of the figures pages (English text → Dutch)."""

DUTCH: dict[str, str] = {}
