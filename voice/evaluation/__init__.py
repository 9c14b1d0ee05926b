"""Labelled voice commands (English and Hindi) and synthesized speech of them: what the parser's
tests and the accuracy benchmark (bench/voice.py) both measure against. Not a test package, so a
benchmark may import it."""
