"""What an image or article address may never hold: the schemas refuse it at intake and the fetcher
(workers/fetch.py) refuses it again before connecting."""

# Nowhere an `@` (userinfo), a backslash (parsers disagree on where the host ends), whitespace or a
# control character (some parsers drop them, others keep them).
URL_REFUSED_CHARACTERS = r"@\\\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
