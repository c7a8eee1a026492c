"""reply-scorer: streaming quality scoring of written customer-service replies."""

__version__ = "0.1.0"
