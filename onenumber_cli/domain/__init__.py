"""Pure rules of the One Number Service: no database, no I/O, no terminal."""
