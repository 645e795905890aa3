"""The audio area: speech, transcriptions and translations (see ``routes.py``)."""
