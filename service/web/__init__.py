"""HTTP: the Flask app, its API views, schemas, pages, and what fronts every request."""
