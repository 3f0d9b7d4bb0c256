"""A client's review of a freelancer's week: verified with the same code as `verify`, each
segment with its verdict, protection and observations, and the week's totals (no Qt here)."""
