"""HTTP plumbing every face shares: settings, negotiation, caching, rate limits, IRIs to paths."""
