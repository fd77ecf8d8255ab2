"""One settings class, read from the environment (prefix ``VNFIL_``).

The same code runs on the embedded stack (SQLite, SeaweedFS, dev Temporal) and in
production (PostgreSQL, MinIO/S3, a Temporal cluster); only these values change.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_S3_SECRET = "vnfil-dev-secret"
DEV_SECRET_KEY = "vnfil-dev-only-secret-key-change-me"
# It seals signing keys, webhook secrets and invitation links: a production key has at
# least this many characters, and not a few repeated ones ("aaaa…", "abab…").
SECRET_KEY_MIN = 32
SECRET_KEY_DISTINCT = 10
DEFAULT_ALLOWED_MEDIA_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "audio/mpeg",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "application/json",  # a credential the candidate holds (checked when added)
    "application/dc+sd-jwt",  # the same, from an EU wallet (an SD-JWT VC)
)


# What a child process needs to join the same system (see ``Settings.as_env``).
CHILD_PROCESS_KEYS = (
    "environment",
    "data_dir",
    "database_url",
    "database_schema",
    "temporal_address",
    "task_queue",
    "s3_endpoint",
    "s3_access_key",
    "s3_secret_key",
    "s3_bucket",
    "max_upload_bytes",
    "secret_key",
    "webhook_allow_private_targets",
    "public_base_url",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VNFIL_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".vnfil")

    database_url: str = "sqlite+aiosqlite:///.vnfil/vnfil.db"
    # PostgreSQL schema to use (set by tests to isolate runs); empty means the default.
    database_schema: str = ""
    # PostgreSQL connection pool, per process (SQLite keeps its own): each API or worker
    # process holds up to pool_size + max_overflow connections, so replicas x that must
    # stay under the server's max_connections (or a PgBouncer in front). A request that
    # waits longer than pool_timeout for a connection is answered 503 with Retry-After.
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_pool_timeout_seconds: float = Field(default=30.0, gt=0)
    # Connections older than this are replaced (firewalls and PgBouncer drop idle ones);
    # -1 never recycles.
    db_pool_recycle_seconds: int = Field(default=1800, ge=-1)
    # Who a bearer token or session cookie is, remembered per API process this long (0:
    # never): a request then costs the database only its own work. Any change to an
    # account, a membership or a session made through this process forgets them all at
    # once; one made through another process is seen within this time at most.
    caller_cache_seconds: float = Field(default=5.0, ge=0, le=60)

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "vnfil-cases"
    # An existing Temporal cluster that wants TLS: the server's CA (empty: the system's
    # roots), and for mutual TLS the client's certificate and key, as PEM file paths; or
    # an API key (Temporal Cloud). Any of these turns TLS on.
    temporal_tls: bool = False
    temporal_tls_ca_path: str = ""
    temporal_tls_cert_path: str = ""
    temporal_tls_key_path: str = ""
    temporal_api_key: str = ""

    s3_endpoint: str = "127.0.0.1:8333"
    s3_access_key: str = "vnfil"
    s3_secret_key: str = DEV_S3_SECRET
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_bucket: str = "vnfil-evidence"
    # Each part is buffered once in memory while it uploads: this bounds the API's RSS.
    s3_part_size: int = 5 * 1024 * 1024
    # An unreachable store should cost a request seconds (minio's default: 5 min a try).
    s3_connect_timeout_seconds: float = 10.0

    max_upload_bytes: int = 512 * 1024 * 1024
    allowed_media_types: tuple[str, ...] = DEFAULT_ALLOWED_MEDIA_TYPES

    # Notifications land in the outbox table; with an SMTP host they are also e-mailed.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "vnfil@localhost"

    # Seals private signing keys and webhook secrets at rest (AES-256-GCM, key by HKDF).
    secret_key: str = DEV_SECRET_KEY
    # Webhook deliveries retry with exponential backoff for this long before giving up.
    webhook_retry_hours: float = 72.0
    webhook_timeout_seconds: float = 10.0
    # Webhooks: allow loopback, private and shared (100.64/10) targets, for receivers on
    # the premises; link-local (cloud metadata), multicast and reserved stay refused.
    webhook_allow_private_targets: bool = False

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # `vnfil serve` (the production API server: uvicorn on uvloop and httptools): how many
    # server processes per container (1 in Kubernetes, which scales by replicas), and
    # which proxies' X-Forwarded-* headers to believe ("*" behind an ingress that is the
    # only way in; a comma-separated list of addresses otherwise).
    api_workers: int = Field(default=1, ge=1, le=64)
    forwarded_allow_ips: str = "127.0.0.1"
    # Idle keep-alive connections stay open this long: longer than the load balancer's
    # idle timeout (60 s on most), or it may send a request down a closing connection.
    api_keep_alive_seconds: int = Field(default=75, ge=1, le=3600)
    # The worker answers GET /health on this port (0: no health port), for a process
    # manager's liveness probe: 200 while it polls its task queue, 503 once it stopped.
    worker_health_port: int = Field(default=0, ge=0, le=65535)
    # Activities one worker process runs at once (the SDK's default); each may hold a
    # database connection while it runs, and those beyond db_pool_size + db_max_overflow
    # wait for one (up to db_pool_timeout_seconds, then the activity is retried).
    worker_max_concurrent_activities: int = Field(default=100, ge=1, le=1000)
    # On SIGTERM the worker stops polling and gives the activities it runs this long to
    # finish before it cancels them (Temporal then retries them on another worker).
    worker_graceful_shutdown_seconds: float = Field(default=0.0, ge=0, le=3600)
    # Signature checks (RDFC-1.0 canonicalisation holds Python's lock for about 2 ms a
    # credential) run in this many processes beside each API process, so a burst of
    # verifications does not stall every other request; 0 checks them in threads.
    signature_processes: int = Field(default=1, ge=0, le=64)
    public_base_url: str = "http://127.0.0.1:8000"

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        """Without a trailing slash (ids are built by appending paths), and a plain
        scheme, host, port and path: no query, fragment, user or percent-encoding, which
        did:web could not carry into the issuers' DIDs."""
        value = value.rstrip("/")
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"VNFIL_PUBLIC_BASE_URL must be an http(s) address, not {value}")
        if url.query or url.fragment or url.username or "%" in value:
            raise ValueError(
                "VNFIL_PUBLIC_BASE_URL must have no query, fragment, user or %-encoding: "
                "awarding bodies' did:web identifiers are built from it"
            )
        return value

    def as_env(self) -> dict[str, str]:
        """These settings as ``VNFIL_*`` variables, for a process started from this one (an
        API or a worker of the fault harness, the bench or a test) to read back."""
        return {f"VNFIL_{k.upper()}": str(getattr(self, k)) for k in CHILD_PROCESS_KEYS}

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production" and self.s3_secret_key == DEV_S3_SECRET:
            raise ValueError("VNFIL_S3_SECRET_KEY still has the development default")
        if self.environment == "production" and self.secret_key == DEV_SECRET_KEY:
            raise ValueError("VNFIL_SECRET_KEY still has the development default")
        if self.environment == "production" and (
            len(self.secret_key) < SECRET_KEY_MIN or len(set(self.secret_key)) < SECRET_KEY_DISTINCT
        ):
            raise ValueError(
                f"VNFIL_SECRET_KEY is too weak for production: use at least {SECRET_KEY_MIN} "
                f"random characters (at least {SECRET_KEY_DISTINCT} different ones), e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        if self.environment == "production":
            url = urlsplit(self.public_base_url)
            host = (url.hostname or "").strip("[]")
            if url.scheme != "https" or not host or host == "localhost" or _ip_literal(host):
                raise ValueError(
                    "VNFIL_PUBLIC_BASE_URL must be the public https address, by domain name, "
                    f"in production (not {self.public_base_url}): awarding bodies are did:web "
                    "under it, and verifiers resolve their keys there"
                )
        return self


def _ip_literal(host: str) -> bool:
    """An address rather than a name: did:web names a domain (an IPv6 literal cannot even
    be written in one), and a public credential should not outlive an address."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache
def get_settings() -> Settings:
    return Settings()
