/// Rate-limit buckets shared by every API replica (`SharedRateLimiter`).
let m0015RateLimits = Migration(
    version: 15, name: "rate_limits",
    statements: [
        """
        CREATE TABLE rate_limits (
            bucket text NOT NULL,
            key text NOT NULL,
            tokens double precision NOT NULL,
            allowed boolean NOT NULL,
            updated timestamptz NOT NULL,
            PRIMARY KEY (bucket, key)
        )
        """,
        "CREATE INDEX rate_limits_updated ON rate_limits (updated)",
    ])
