"""What the tests need beside the product: the Bot API stand-in and its HTTP server."""
