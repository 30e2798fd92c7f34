"""Matching policies: named, versioned, immutable once written."""
