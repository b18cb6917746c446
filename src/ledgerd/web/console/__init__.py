"""The console (`/console`): a signed-in user's books, read through the domain services the API uses."""
