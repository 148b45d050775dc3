"""onenumber: the operator's command-line tool for the One Number Service.

The package is a core library (``domain``, ``storage``, ``services``) with a thin
command line (``cli``) on top.  Nothing below ``cli`` knows about the terminal.
"""

__version__ = "0.1.0"
