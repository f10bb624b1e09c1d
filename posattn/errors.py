"""The one exception library code raises for a user's mistake.

The CLI turns it into one red line on stderr and a non-zero exit status.
"""


class PosattnError(Exception):
    """Bad input, a missing file or a broken model: the message says what and where."""
