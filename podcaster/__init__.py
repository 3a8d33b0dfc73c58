"""podcaster: your RSS feeds as a daily two-host podcast, made on your own hardware."""
__version__ = "0.1.0"
