"""Domain logic: accounts, follower windows and what a callback does to them."""
