"""Exceptions that services of several apps raise, and that views and the API answer alike."""


class RateLimited(Exception):
    """A service refusing because someone acts too often; a 429 in the API."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
