"""Black-box tests: `sessiond serve` as a real process, driven through the `anthropic` SDK."""
