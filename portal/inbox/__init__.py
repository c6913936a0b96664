"""The "Perlu tindakan" inbox: every actor's next steps, gathered from the features'
sources (``portal/<feature>/inbox.py``)."""
