"""Questionbank: a question bank with groups, filters and reference content."""
