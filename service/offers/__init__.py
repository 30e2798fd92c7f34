"""Offers and placements: the unit held, accepted, declined, expired, ended."""
