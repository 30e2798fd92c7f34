"""Dutch texts of the match pages (English text → Dutch)."""

DUTCH: dict[str, str] = {}
