"""Settings from the environment, read once per process.

Every knob of the system is here, with its default; the README lists them.
Models read the table names at class creation, so settings must be final before
``passculture.models`` is imported (tests set the environment first).
"""

from __future__ import annotations

import os
from functools import lru_cache

from passculture.records import record


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else int(raw)


def _count_or_auto(name: str) -> int:
    """A count, or 0 for ``auto`` (the default)."""
    raw = (os.environ.get(name) or "auto").strip().lower()
    return 0 if raw == "auto" else int(raw)


def _str(name: str, default: str) -> str:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else raw


def _names(raw: str) -> tuple[str, ...]:
    """A comma-separated list of host names or IPs, lower-cased."""
    return tuple(item.strip().lower() for item in raw.split(",") if item.strip())


@record(frozen=True)  # a dataclass without methods compiled at import (passculture.records)
class Settings:
    """Every setting, read from the environment by ``get_settings``."""

    stage: str
    region: str
    table_prefix: str
    media_bucket: str
    media_base_url: str
    mail_sender: str
    team_email: str
    public_app_url: str
    # Access tokens: the secret comes from SSM when JWT_SECRET_PARAMETER names a
    # parameter (production), else from JWT_SECRET; no default (adapters/secrets.py).
    jwt_secret: str
    jwt_secret_parameter: str
    access_token_minutes: int
    argon2_time_cost: int
    argon2_memory_kib: int
    email_token_hours: int
    # Business phases and rules.
    free_offers_only: bool
    territory_validates_structures: bool
    countermark_window_hours: int
    cancellation_deadline_hours: int
    young_credit_cents: int
    young_credit_age: int
    physical_cap_cents: int
    digital_cap_cents: int
    import_horizon_days: int
    openagenda_base_url: str
    # Agenda feeds: what one fetch may cost, who it may reach, and how much one feed may import.
    import_max_bytes: int
    import_timeout_seconds: float  # connect, and each read
    import_total_seconds: float  # the whole fetch: retries, redirects and body
    import_allow_http: bool
    import_allowed_hosts: tuple[str, ...]  # exact host names or IPs let through the address checks
    import_max_events: int
    import_max_occurrences_per_event: int
    import_max_occurrences: int
    import_parse_processes: int  # processes that parse one big feed; 0: auto (services.imports.parallel)
    sirene_enabled: bool
    sirene_base_url: str
    sirene_timeout_seconds: float
    # Transport to DynamoDB behind a 29 s API Gateway timeout.
    dynamodb_connect_timeout: float
    dynamodb_read_timeout: float
    dynamodb_max_retries: int
    # Every AWS call of one API request ends within this (API Gateway gives up at 29 s).
    request_deadline_seconds: float
    max_body_bytes: int
    cors_allow_origin: str
    # Wrong passwords (sign-in and the countermark API's Basic) per window: per email from one
    # source address, per email from all (then only addresses that failed for it wait), per address.
    signin_limit_per_window: int
    signin_email_limit_per_window: int
    signin_source_limit_per_window: int
    rate_limit_window_seconds: int
    # Signups per source address (each costs a password hash), and join-request emails per structure.
    signup_limit_per_source: int
    signup_window_seconds: int
    join_request_emails_per_day: int
    # Countermark API: failed attempts (401, 404) allowed per window, per caller, per source address
    # and per structure (all its keys and members together, so new keys do not bring new tries).
    countermark_caller_failures: int
    countermark_source_failures: int
    countermark_structure_failures: int
    # Requests one API key may make to the countermark API per minute (Pass Culture's published 200).
    countermark_key_requests_per_minute: int
    partner_key_requests_per_minute: int
    # A message to a partner's notification URL (notify): connect and read timeouts, and its whole
    # budget with the retries of one delivery.
    partner_message_timeout_seconds: float
    partner_message_total_seconds: float
    # Ticketing (an offer with ``has_ticket``): the booking's call to the partner's booking URL, all of it
    # (connection, answer) within this; the cancellation calls get the same budget.
    ticketing_timeout_seconds: float
    countermark_failure_window_seconds: int
    api_keys_per_structure: int
    # One CSV export response stays far below Lambda's 6 MB response limit.
    csv_export_max_rows: int
    csv_export_max_bytes: int
    # Background jobs (services/jobs.py): a job hands over to a new invocation of its function
    # once less than this is left of the current one, or after this many pages (0: time decides).
    job_margin_seconds: float
    job_max_pages: int
    # Emails: notify's claim on one email is a lease a little longer than the function's timeout;
    # after this many failed attempts an email is parked in failed_mails.
    notify_lease_seconds: int
    notify_max_attempts: int
    # How far ahead an event's date (and its booking limit) may be.
    max_event_days_ahead: int
    # Set by Lambda (passculture-pro-<stage>-<function>); empty elsewhere.
    lambda_function_name: str
    lambda_memory_mb: int  # 0 outside Lambda
    # Set by Lambda (AWS_Lambda_python3.11 ...): the logs then go through its handler in JSON (adapters/logs.py).
    execution_env: str = ""
    # Where the EMF metric lines go: "stdout" (Lambda's log), or "off" (tools that print their own output).
    metrics_output: str = "stdout"

    def table_name(self, short: str) -> str:
        return f"{self.table_prefix}{short}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    stage = _str("STAGE", "local")
    return Settings(
        stage=stage,
        region=_str("AWS_REGION", _str("AWS_DEFAULT_REGION", "eu-west-3")),
        table_prefix=_str("TABLE_PREFIX", f"passculture-{stage}-"),
        media_bucket=_str("MEDIA_BUCKET", f"passculture-{stage}-media"),
        media_base_url=_str("MEDIA_BASE_URL", ""),
        mail_sender=_str("MAIL_SENDER", "no-reply@passculture.local"),
        team_email=_str("TEAM_EMAIL", "team@passculture.local"),
        public_app_url=_str("PUBLIC_APP_URL", "http://127.0.0.1:8000"),
        jwt_secret=_str("JWT_SECRET", ""),
        jwt_secret_parameter=_str("JWT_SECRET_PARAMETER", ""),
        access_token_minutes=_int("ACCESS_TOKEN_MINUTES", 60),
        argon2_time_cost=_int("ARGON2_TIME_COST", 3),
        argon2_memory_kib=_int("ARGON2_MEMORY_KIB", 65536),
        email_token_hours=_int("EMAIL_TOKEN_HOURS", 72),
        free_offers_only=_bool("FREE_OFFERS_ONLY", False),
        territory_validates_structures=_bool("TERRITORY_VALIDATES_STRUCTURES", False),
        countermark_window_hours=_int("COUNTERMARK_WINDOW_HOURS", 72),
        cancellation_deadline_hours=_int("CANCELLATION_DEADLINE_HOURS", 48),
        young_credit_cents=_int("YOUNG_CREDIT_CENTS", 50_000),
        young_credit_age=_int("YOUNG_CREDIT_AGE", 18),
        physical_cap_cents=_int("PHYSICAL_CAP_CENTS", 20_000),
        digital_cap_cents=_int("DIGITAL_CAP_CENTS", 20_000),
        import_horizon_days=_int("IMPORT_HORIZON_DAYS", 365),
        openagenda_base_url=_str("OPENAGENDA_BASE_URL", "https://openagenda.com").rstrip("/"),
        import_max_bytes=_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024),
        import_timeout_seconds=float(_str("IMPORT_TIMEOUT_SECONDS", "10")),
        import_total_seconds=float(_str("IMPORT_TOTAL_SECONDS", "60")),
        import_allow_http=_bool("IMPORT_ALLOW_HTTP", False),
        import_allowed_hosts=_names(_str("IMPORT_ALLOWED_HOSTS", "")),
        import_max_events=_int("IMPORT_MAX_EVENTS", 5000),
        import_max_occurrences_per_event=_int("IMPORT_MAX_OCCURRENCES_PER_EVENT", 1000),
        import_max_occurrences=_int("IMPORT_MAX_OCCURRENCES", 20_000),
        import_parse_processes=_count_or_auto("IMPORT_PARSE_PROCESSES"),
        sirene_enabled=_bool("SIRENE_ENABLED", False),
        sirene_base_url=_str("SIRENE_BASE_URL", "https://recherche-entreprises.api.gouv.fr").rstrip("/"),
        sirene_timeout_seconds=float(_str("SIRENE_TIMEOUT_SECONDS", "2")),
        dynamodb_connect_timeout=float(_str("DYNAMODB_CONNECT_TIMEOUT", "2")),
        dynamodb_read_timeout=float(_str("DYNAMODB_READ_TIMEOUT", "5")),
        dynamodb_max_retries=_int("DYNAMODB_MAX_RETRIES", 3),
        request_deadline_seconds=float(_str("REQUEST_DEADLINE_SECONDS", "25")),
        max_body_bytes=_int("MAX_BODY_BYTES", 1_048_576),
        cors_allow_origin=_str("CORS_ALLOW_ORIGIN", "*"),
        signin_limit_per_window=_int("SIGNIN_LIMIT_PER_WINDOW", 10),
        signin_email_limit_per_window=_int("SIGNIN_EMAIL_LIMIT_PER_WINDOW", 30),
        signin_source_limit_per_window=_int("SIGNIN_SOURCE_LIMIT_PER_WINDOW", 50),
        rate_limit_window_seconds=_int("RATE_LIMIT_WINDOW_SECONDS", 900),
        signup_limit_per_source=_int("SIGNUP_LIMIT_PER_SOURCE", 30),
        signup_window_seconds=_int("SIGNUP_WINDOW_SECONDS", 3600),
        join_request_emails_per_day=_int("JOIN_REQUEST_EMAILS_PER_DAY", 3),
        countermark_caller_failures=_int("COUNTERMARK_CALLER_FAILURES", 30),
        countermark_source_failures=_int("COUNTERMARK_SOURCE_FAILURES", 60),
        countermark_structure_failures=_int("COUNTERMARK_STRUCTURE_FAILURES", 150),
        countermark_key_requests_per_minute=_int("COUNTERMARK_KEY_REQUESTS_PER_MINUTE", 200),
        partner_key_requests_per_minute=_int("PARTNER_KEY_REQUESTS_PER_MINUTE", 200),
        partner_message_timeout_seconds=float(_str("PARTNER_MESSAGE_TIMEOUT_SECONDS", "5")),
        partner_message_total_seconds=float(_str("PARTNER_MESSAGE_TOTAL_SECONDS", "12")),
        ticketing_timeout_seconds=float(_str("TICKETING_TIMEOUT_SECONDS", "8")),
        countermark_failure_window_seconds=_int("COUNTERMARK_FAILURE_WINDOW_SECONDS", 900),
        api_keys_per_structure=_int("API_KEYS_PER_STRUCTURE", 5),
        csv_export_max_rows=_int("CSV_EXPORT_MAX_ROWS", 5000),
        csv_export_max_bytes=_int("CSV_EXPORT_MAX_BYTES", 4_000_000),
        job_margin_seconds=float(_str("JOB_MARGIN_SECONDS", "10")),
        job_max_pages=_int("JOB_MAX_PAGES", 0),
        notify_lease_seconds=_int("NOTIFY_LEASE_SECONDS", 70),
        notify_max_attempts=_int("NOTIFY_MAX_ATTEMPTS", 3),
        max_event_days_ahead=_int("MAX_EVENT_DAYS_AHEAD", 730),
        lambda_function_name=_str("AWS_LAMBDA_FUNCTION_NAME", ""),
        lambda_memory_mb=_int("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0),
        execution_env=_str("AWS_EXECUTION_ENV", ""),
        metrics_output=_str("METRICS_OUTPUT", "stdout"),
    )


def function_name(function: str) -> str:
    """The deployed name of one of our functions, from ``<FUNCTION>_FUNCTION_NAME`` (``OFFERS_FUNCTION_NAME``).

    ``serverless.yml`` sets it in the functions that start that function's jobs; empty when unset.
    """
    names = {"offers": _str("OFFERS_FUNCTION_NAME", "")}  # spelt out: the README's table is checked against the code
    return names.get(function, "")
