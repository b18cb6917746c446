"""Exchange rates: the simulated reference feed, business-defined rates and their endpoints."""
