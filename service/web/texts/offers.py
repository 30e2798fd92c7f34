"""Dutch texts of the offers pages (English text → Dutch)."""

DUTCH: dict[str, str] = {}
