"""The webhook's decisions against in-memory fakes of its ports: no moto, milliseconds each."""
