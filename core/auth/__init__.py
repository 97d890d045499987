"""Who is calling: API keys, their workspaces, and the limits per workspace."""
