"""The demo page (``/demo/``): document 002's browser flows in one page, plain
JavaScript against the cookie API, under a strict Content-Security-Policy."""
