"""Arabic-aware language tools."""
