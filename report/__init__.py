"""The before/after evaluation report: one self-contained HTML file, and its charts."""
