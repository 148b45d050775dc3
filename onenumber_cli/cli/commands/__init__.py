"""One module per command group; each command parses, calls one service, formats."""
