"""Where server processes come from and run: binary resolution and the local process provider."""
