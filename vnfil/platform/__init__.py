"""What every domain stands on: settings, the database (``Base``), Temporal's client,
the embedded servers, rendering, translations, bounded text, sealing and refusals."""
