"""URL modules, one per document: :mod:`.doc000` (``/api/auth/``), :mod:`.shared` (the
``/api/`` paths 001, 003 and 004 share), :mod:`.doc003` and :mod:`.profile`."""
