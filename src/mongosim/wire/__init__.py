"""MongoDB wire protocol: framing, message classes and their strict parsing."""
