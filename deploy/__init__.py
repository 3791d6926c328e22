"""What the deployment runs beside imgmod itself (deploy/nginx: the front door's configuration), and
deploy/frontdoor.py, which renders that configuration and runs it with Debian's nginx for the tests
and the bench. Not part of the installed package."""
