"""Store helpers tested without AWS: item mapping and conflict translation."""
