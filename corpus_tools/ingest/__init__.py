"""Ingest: Label Studio exports read, validated once and stored, with the table of their units."""
