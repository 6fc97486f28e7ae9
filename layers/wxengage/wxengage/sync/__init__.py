"""WeChat catalog sync: the account's tags, each follower's tag ids and the articles, kept in the store."""
