"""GitHub: the REST client (``client``), the shared write-rate limiter (``ratelimit``) and the pure payload builders for check runs, statuses and reviews (``feedback``)."""
