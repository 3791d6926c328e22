"""Settings: every IMGMOD_* variable parsed once into a frozen object, or a ConfigError naming it.

`settings.py` holds the object, `variables.py` reads the environment into it, `secret.py` the rules
and the making of secrets."""
from config.secret import MIN_SECRET_LENGTH, SECRET_KINDS, check_secret, new_secret
from config.settings import (LANGUAGES, PROMETHEUS_MULTIPROC_ENV, REASONS, ConfigError, OidcSettings, Settings,
                             is_loopback)
from config.variables import host_and_port, load_settings

__all__ = ["LANGUAGES", "MIN_SECRET_LENGTH", "PROMETHEUS_MULTIPROC_ENV", "REASONS", "SECRET_KINDS", "ConfigError",
           "OidcSettings", "Settings", "check_secret", "host_and_port", "is_loopback", "load_settings", "new_secret"]
