"""SRU diagnostics (info:srw/diagnostic/1/N): errors reported inside a valid response."""

MESSAGES = {
    1: "General system error",
    4: "Unsupported operation",
    5: "Unsupported version",
    6: "Unsupported parameter value",
    7: "Mandatory parameter not supplied",
    8: "Unsupported parameter",
    10: "Query syntax error",
    11: "Unsupported query type",
    12: "Too many characters in query",
    15: "Unsupported context set",
    16: "Unsupported index",
    19: "Unsupported relation",
    20: "Unsupported relation modifier",
    23: "Too many characters in term",
    27: "Empty term unsupported",
    30: "Too many masking characters in term",
    36: "Term in invalid format for index or relation",
    37: "Unsupported boolean operator",
    38: "Too many boolean operators in query",
    39: "Proximity not supported",
    46: "Unsupported boolean modifier",
    61: "First record position out of range",
    66: "Unknown schema for retrieval",
    71: "Unsupported record packing",
    82: "Unsupported sort sequence",
    84: "Too many sort keys",
    88: "Unsupported path for sort",
    110: "Stylesheets not supported",
    120: "Response position out of range",
}


class Diagnostic(Exception):
    """A fatal SRU diagnostic: the operation stops and the response carries it."""

    def __init__(self, number, details=""):
        self.number = number
        self.details = str(details) if details is not None else ""
        super().__init__(f"{self.uri}: {self.message} {self.details}".strip())

    @property
    def uri(self):
        return f"info:srw/diagnostic/1/{self.number}"

    @property
    def message(self):
        return MESSAGES.get(self.number, "Diagnostic")
