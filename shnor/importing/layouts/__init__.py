"""One module per input layout of FORMATS.md. Each module exposes

    LAYOUT: str                      # "1A" … "5B" (a module may serve several: then LAYOUTS)
    def detect(sheets: list[Sheet]) -> bool          # recognised by content, never by file name
    def parse(sheets, file_name, hints, scales) -> ParsedFile

Parsers are pure (no database), raise ParseRefusal for a file that cannot be stored at all, and report
everything else as Issues naming file, sheet, row and column.
"""
