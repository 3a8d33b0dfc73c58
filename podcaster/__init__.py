"""podcaster: your RSS feeds as a daily two-host podcast, made on your own hardware.

Installed as the distribution `podcaster-daily` (`podcaster` on PyPI is an unrelated project); the
command and this package keep the name podcaster.
"""
# Written here, not read from the installed distribution's metadata, so that it holds in a source
# checkout and whatever the distribution is called; tests/test_packaging.py keeps it equal to
# pyproject.toml's version.
__version__ = "0.1.0"
