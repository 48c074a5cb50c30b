"""Core contracts: records, capabilities, registry, specs, config and errors."""
