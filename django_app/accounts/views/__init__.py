"""The documented endpoints, one module per document (001, 003 and 004 share
:mod:`.shared`), and the profile endpoints every login can use."""
