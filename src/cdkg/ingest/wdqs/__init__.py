"""Wikidata Query Service access: a polite, fault-tolerant client and an on-disk cache of raw responses.

```python
client = WdqsClient()                       # or WdqsClient("https://qlever.cs.uni-freiburg.de/api/wikidata")
cache = ResponseCache(data_dir / "wdqs-cache")
cached = cache.get(client.endpoint, query)
if cached is None:                          # or --refresh
    cached = cache.put(client.select(query), label="twinning-statements batch 3/12")
body = cached.read_body()                   # verified against its sha256
```
"""

from cdkg.ingest.wdqs.cache import CachedResponse, CacheError, ResponseCache
from cdkg.ingest.wdqs.client import DEFAULT_ENDPOINT, WdqsClient, WdqsError, WdqsResponse, default_user_agent

__all__ = [
    "DEFAULT_ENDPOINT",
    "CacheError",
    "CachedResponse",
    "ResponseCache",
    "WdqsClient",
    "WdqsError",
    "WdqsResponse",
    "default_user_agent",
]
