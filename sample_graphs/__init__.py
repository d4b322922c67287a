"""Sample graphs for demos and tests; each module's docstring says what it shows."""
