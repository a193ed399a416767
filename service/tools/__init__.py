"""What the ``moderation`` command runs besides the server: the CLI, policy backtests,
training rows from decisions."""
