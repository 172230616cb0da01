/// Browser sessions of the web UI (hummingbird's `SessionMiddleware` keeps them through a
/// `PersistDriver`): in PostgreSQL, so every API instance sees the same sessions.
let m0006Sessions = Migration(
    version: 6, name: "sessions",
    statements: [
        """
        CREATE TABLE sessions (
            key text PRIMARY KEY,
            value jsonb NOT NULL,
            expires_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX sessions_expiry ON sessions (expires_at) WHERE expires_at IS NOT NULL",
    ])
