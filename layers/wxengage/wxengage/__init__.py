"""wxengage: the shared runtime package (WeChat protocol, domain logic, data access)."""
