"""Images: generations, edits and variations (R04.1.7-R04.1.9, R05.1.2, R05.1.3, R05.2.*, R06.5.7-R06.5.10)."""
