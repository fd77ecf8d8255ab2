"""Seeding a national-scale database fast, shaped like real cases.

The bulk is copied, set-based, from the rows that real cases left (``bench.real_cases``:
one case of each kind through the real API and workflow). For every kind, each row those
cases wrote (the candidate, the case, its panel, evidence, stage records, audit chain,
events, webhook deliveries, notifications, credential) becomes one ``INSERT … SELECT``
over a batch of new cases, so a million cases cost a few hundred statements and no
Python per row:

- the real case's id, its candidate's id and every id of its own (evidence, events,
  credential …) are replaced, in every column and inside JSON, by ids derived from the
  new case's (md5 formatted as a uuid); ids of shared things (the centre, the standard,
  the staff, the awarding body, the webhook subscription) are kept;
- every time (columns and ISO times inside JSON) is moved onto the new case's own
  timeline: opened ``created``, last step ``created + span``, in the same proportions as
  the real case's steps (times after the real case's last step, such as deadlines, keep
  their distance from it);
- a few columns are set apart: the candidate's name, e-mail and token digest, an open
  case's deadline (some overdue), a credential's status-list slot (dense, each list full
  before the next, so a new credential finds its slot among many taken).

The bulk's own audit chains link (each entry names the previous hash) but their hashes
are the real case's: the audit check is measured on the real cases, whose chains hold.

PostgreSQL: ``generate_series`` and md5 in SQL. SQLite: the same statements, with md5, the
uuid form and the times as functions registered on the connection.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    LargeBinary,
    Table,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import vnfil.models as models
from vnfil.accounts.models import AwardingBody, Centre, Membership, User
from vnfil.credentials.keys import active_key
from vnfil.credentials.models import SigningKey, StatusList
from vnfil.credentials.status import LIST_SIZE, PURPOSE, list_credential
from vnfil.events.models import WebhookSubscription
from vnfil.platform.db import sync_url
from vnfil.platform.settings import Settings
from vnfil.standards.models import Standard
from vnfil.trust.models import Accreditation

DAY = 86400.0
BLOCK = 100
# The mix, per block of 100 cases: (kind, how many, open?). Kinds are the real cases'
# (bench.real_cases.KINDS); "expired" is a withdrawn case with "withdrawn" read "expired"
# (a real expiry waits for the deadline's timer).
MIX: list[tuple[str, int, bool]] = [
    ("certified", 30, False),
    ("failed", 10, False),
    ("withdrawn", 22, False),
    ("expired", 20, False),
    ("open-identification", 5, True),
    ("open-documentation", 5, True),
    ("open-assessment", 4, True),
    ("open-certification", 4, True),
]
assert sum(n for _, n, _ in MIX) == BLOCK
TEMPLATE_OF = {"expired": "withdrawn"}
SWAPS = {"expired": {"withdrawn": "expired"}}
CREDENTIALED = "certified"
# The tables a case's rows live in, in the order foreign keys allow.
CASE_TABLES = (
    "users",
    "memberships",
    "cases",
    "case_assignments",
    "evidence",
    "stage_records",
    "audit_entries",
    "credentials",
    "events",
    "webhook_deliveries",
    "notifications",
)
CENTRES_PER_CASES = 1000  # the registry: a centre per thousand cases, with accreditations
CENTRES_AT_LEAST = 30  # and never fewer (a country's registry), so a page is full at every size
NAMES_FIRST = ["Anna", "Piotr", "Zofia", "Jan", "Ola", "Marek", "Ewa", "Tomasz", "Iga", "Adam"]
NAMES_LAST = ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
# What another engineer's summary tables will offer; the first that exists is called
# after each bulk insert, so figures read what the cases say. One line per new name.
# --- the two dialects ------------------------------------------------------------------


def _uuid_of(text_: str) -> str:
    h = hashlib.md5(text_.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _sqlite_ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Dialect:
    """The few expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pg = name == "postgresql"

    def uuid(self, expr: str) -> str:
        return f"md5({expr})::uuid::text" if self.pg else f"bench_uuid({expr})"

    def md5(self, expr: str) -> str:
        return f"md5({expr})"

    def ts(self, epoch: str) -> str:
        return f"to_timestamp({epoch})" if self.pg else f"bench_ts({epoch})"

    def iso(self, epoch: str) -> str:
        if self.pg:
            return (
                f"to_char(to_timestamp({epoch}) AT TIME ZONE 'UTC', "
                '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\')'
            )
        return f"bench_iso({epoch})"

    def json(self, expr: str) -> str:
        return f"CAST({expr} AS JSON)" if self.pg else expr

    def param(self, name: str, column: Any) -> str:
        if not self.pg:
            return f":{name}"
        return f"CAST(:{name} AS {column.type.compile(dialect=_PG)})"

    def null(self, column: Any) -> str:
        """A NULL of the column's type (a UNION of bare NULLs would be text on PostgreSQL)."""
        return f"CAST(NULL AS {column.type.compile(dialect=_PG)})" if self.pg else "NULL"

    def series(self, lo: int, hi: int) -> str:
        """A FROM item: integers ``lo`` … ``hi - 1`` as ``s.i``."""
        if self.pg:
            return f"generate_series({lo}::bigint, {hi - 1}::bigint) AS s(i)"
        return (
            f"(WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n "
            f"WHERE i < {hi - 1}) SELECT i FROM n) AS s"
        )


from sqlalchemy.dialects import postgresql as _pg_dialect  # noqa: E402

_PG = _pg_dialect.dialect()


def sync_engine(settings: Settings) -> Engine:
    """A synchronous engine on the app's database (the seeder's statements are long; no
    event loop to keep)."""
    url = sync_url(settings)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _functions(conn: Any, _record: Any) -> None:
            conn.create_function(
                "md5", 1, lambda s: hashlib.md5(s.encode()).hexdigest(), deterministic=True
            )
            conn.create_function("bench_uuid", 1, _uuid_of, deterministic=True)
            conn.create_function("bench_ts", 1, _sqlite_ts, deterministic=True)
            conn.create_function("bench_iso", 1, _sqlite_iso, deterministic=True)
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    options = f"-csearch_path={settings.database_schema}" if settings.database_schema else ""
    engine = create_engine(url, connect_args={"options": options} if options else {})

    @event.listens_for(engine, "connect")
    def _fast(conn: Any, _record: Any) -> None:
        with conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
        conn.commit()

    return engine


# --- templates: what the real cases wrote -------------------------------------------------


def _epoch(at: datetime) -> float:
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at).timestamp()


@dataclass
class Template:
    """The rows one real case left, per table, and where they sit on its timeline."""

    kind: str
    case_id: str
    candidate_id: str
    rows: dict[str, list[dict[str, Any]]]
    t0: float  # opened
    t1: float  # its last step
    swaps: dict[str, str] = field(default_factory=dict)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, []))


def _table(name: str) -> Table:
    return models.metadata.tables[name]


def capture(conn: Connection, kind: str, case_id: str) -> Template:
    """Every row case ``case_id`` wrote (and its candidate, and its events' deliveries)."""
    case = (
        conn.execute(select(_table("cases")).where(_table("cases").c.id == case_id))
        .mappings()
        .one()
    )
    person = case["candidate_id"]
    rows: dict[str, list[dict[str, Any]]] = {}

    def take(table: str, where: Any) -> None:
        t = _table(table)
        order = [c for c in t.primary_key.columns]
        rows[table] = [
            dict(r) for r in conn.execute(select(t).where(where).order_by(*order)).mappings()
        ]

    take("users", _table("users").c.id == person)
    take("memberships", _table("memberships").c.user_id == person)
    take("cases", _table("cases").c.id == case_id)
    for t in (
        "case_assignments",
        "evidence",
        "stage_records",
        "audit_entries",
        "credentials",
        "notifications",
    ):
        take(t, _table(t).c.case_id == case_id)
    cred_ids = [r["id"] for r in rows["credentials"]]
    ev = _table("events")
    take("events", ev.c.subject.in_([case_id, *cred_ids]))
    take(
        "webhook_deliveries",
        _table("webhook_deliveries").c.event_id.in_([r["id"] for r in rows["events"]]),
    )
    now = time.time()
    times = [
        _epoch(v)
        for table_rows in rows.values()
        for r in table_rows
        for v in r.values()
        if isinstance(v, datetime) and _epoch(v) <= now
    ]
    return Template(kind, case_id, person, rows, _epoch(case["created_at"]), max(times))


def global_ids(conn: Connection) -> set[str]:
    """Ids of what every case shares (kept as they are when a case is copied)."""
    out: set[str] = set()
    for column in (
        Centre.id,
        AwardingBody.id,
        Standard.id,
        SigningKey.id,
        StatusList.id,
        Accreditation.id,
        WebhookSubscription.id,
    ):
        out.update(conn.scalars(select(column)))
    staff = select(User.id).where(User.role != "candidate")
    out.update(conn.scalars(staff))
    out.update(conn.scalars(select(Membership.id).where(Membership.user_id.in_(staff))))
    return out


# --- the copy ----------------------------------------------------------------------------


class Copier:
    """Builds one ``INSERT … SELECT`` per table and template over the batch ``b``
    (columns ``i, id, person, created, span, deadline, name, cred_list, cred_index``)."""

    def __init__(
        self,
        d: Dialect,
        tmpl: Template,
        shared: set[str],
        owner: str,
        person: str | None,
        overrides: dict[str, dict[str, str]],
    ) -> None:
        self.d = d
        self.t = tmpl
        self.overrides = overrides
        self.params: dict[str, Any] = {}
        # real text -> SQL over b
        self.subst: dict[str, str] = {owner: "b.id"}
        if person:
            self.subst[person] = "b.person"
        # The template's own rows are copied: their ids are never shared.
        own = {
            str(r[c.name])
            for table, table_rows in tmpl.rows.items()
            for r in table_rows
            for c in _table(table).primary_key.columns
            if not c.foreign_keys  # a panel's key names its (shared) assessor
        }
        shared = shared - own
        for table_rows in tmpl.rows.values():
            for r in table_rows:
                for v in r.values():
                    for found in UUID.findall(self._text(v)):
                        if found not in shared and found not in self.subst:
                            self.subst[found] = d.uuid(f"b.id || '{found}'")

    @staticmethod
    def _text(v: Any) -> str:
        if isinstance(v, str):
            return v
        if isinstance(v, (dict, list)):
            return json.dumps(v)
        return ""

    def _p(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return name

    def _epoch_sql(self, at: datetime) -> str:
        """Where ``at`` falls on the new case's timeline (b.created … b.created + b.span)."""
        e = _epoch(at)
        t0, t1 = self.t.t0, self.t.t1
        if e > t1:  # after the last step (a deadline): the same distance after the new one's
            return f"(b.created + b.span + {e - t1!r})"
        if e < t0:
            return f"(b.created - {t0 - e!r})"
        frac = (e - t0) / (t1 - t0) if t1 > t0 else 0.0
        return f"(b.created + {frac!r} * b.span)"

    def _replaced(self, value: str, column: Any, is_json: bool) -> str:
        for a, b in self.t.swaps.items():
            value = value.replace(a, b)
        expr = f":{self._p(value)}" if not self.d.pg else f"CAST(:{self._p(value)} AS TEXT)"
        for real, sql in self.subst.items():
            if real in value:
                expr = f"replace({expr}, '{real}', {sql})"
        if is_json:
            for iso in sorted(set(ISO.findall(value))):
                at = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
                expr = f"replace({expr}, '{iso}', {self.d.iso(self._epoch_sql(at))})"
        return expr

    def value(self, table: str, column: Any, v: Any) -> str:
        override = self.overrides.get(table, {}).get(column.name)
        if override is not None:
            return self.d.null(column) if v is None and column.name == "deadline" else override
        if v is None:
            return self.d.null(column)
        if isinstance(column.type, DateTime):
            return self.d.ts(self._epoch_sql(v))
        if isinstance(column.type, JSON):
            return self.d.json(self._replaced(json.dumps(v), column, True))
        if isinstance(v, str):
            return self._replaced(v, column, False)
        if isinstance(column.type, LargeBinary):
            return f":{self._p(v)}"
        return self.d.param(self._p(v), column)

    def statement(self, table: str, where: str) -> str | None:
        rows = self.t.rows.get(table, [])
        if not rows:
            return None
        t = _table(table)
        cols = [c for c in t.columns if c.autoincrement is not True]
        selects = [
            "SELECT "
            + ", ".join(self.value(table, c, r[c.name]) for c in cols)
            + f" FROM bench_batch b WHERE {where}"
            for r in rows
        ]
        names = ", ".join(f'"{c.name}"' for c in cols)
        return f"INSERT INTO {table} ({names}) " + " UNION ALL ".join(selects)


# --- the seeder ------------------------------------------------------------------------------


def _hash01(d: Dialect, mult: int) -> str:
    """A number in [0, 1) that looks random, from the case number."""
    return f"(((s.i * {mult}) % 1000003) / 1000003.0)"


@dataclass
class Seeded:
    cases: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


class Seeder:
    """Grows the database to N cases (the real ones included), keeping what is there."""

    def __init__(
        self, settings: Settings, real: dict[str, str], log: Callable[[str], None] = print
    ) -> None:
        self.settings = settings
        self.engine = sync_engine(settings)
        self.d = Dialect(self.engine.dialect.name)
        self.log = log
        self.real = real
        with self.engine.connect() as conn:
            self.shared = global_ids(conn)
            self.templates = {k: capture(conn, k, cid) for k, cid in real.items()}
            # The real cases' centre: the bulk's, and the model of the registry's others.
            self.centre_id = str(self.templates[CREDENTIALED].rows["cases"][0]["centre_id"])
            self.centre_tmpl = self._centre_template(conn, self.centre_id)
        self.bulk = 0  # bulk cases so far (case numbers 0 … bulk-1)
        self.centres = 0
        self.lists: set[int] = set()
        self.now = time.time()

    def dispose(self) -> None:
        self.engine.dispose()

    def _centre_template(self, conn: Connection, centre_id: str) -> Template:
        c = _table("centres")
        a = _table("accreditations")
        centre = dict(conn.execute(select(c).where(c.c.id == centre_id)).mappings().one())
        accs = [
            dict(r) for r in conn.execute(select(a).where(a.c.centre_id == centre_id)).mappings()
        ]
        t0 = _epoch(centre["created_at"])
        return Template(
            "centre", centre_id, "", {"centres": [centre], "accreditations": accs}, t0, t0 + 1
        )

    def mix_per_case(self) -> dict[str, float]:
        """Rows per case of each table, as the mix makes them."""
        out: dict[str, float] = {}
        for kind, n, _ in MIX:
            tmpl = self.templates[TEMPLATE_OF.get(kind, kind)]
            for table in CASE_TABLES:
                out[table] = out.get(table, 0) + n * tmpl.count(table) / BLOCK
        return out

    # The batch: one row per new case, everything about it that is not a template's.
    def _batch(self, conn: Connection, lo: int, hi: int) -> None:
        d = self.d
        conn.execute(text("DROP TABLE IF EXISTS bench_batch"))
        conn.execute(text("DROP TABLE IF EXISTS bench_kinds"))
        conn.execute(text("DROP TABLE IF EXISTS bench_names"))
        conn.execute(
            text(
                "CREATE TABLE bench_kinds (r INTEGER, kind VARCHAR(40), is_open INTEGER, n INTEGER, rnk INTEGER)"
            )
        )
        kinds = []
        r = 0
        for kind, n, is_open in MIX:
            for rank in range(n):
                kinds.append({"r": r, "kind": kind, "is_open": int(is_open), "n": n, "rnk": rank})
                r += 1
        conn.execute(text("INSERT INTO bench_kinds VALUES (:r, :kind, :is_open, :n, :rnk)"), kinds)
        conn.execute(text("CREATE TABLE bench_names (k INTEGER, name VARCHAR(200))"))
        names = [f"{f} {last}" for last in NAMES_LAST for f in NAMES_FIRST]
        conn.execute(
            text("INSERT INTO bench_names VALUES (:k, :name)"),
            [{"k": k, "name": n} for k, n in enumerate(names)],
        )
        now = self.now
        h1, h2, h3 = _hash01(d, 2654435761), _hash01(d, 1597334677), _hash01(d, 3812015801)
        end = f"(CASE WHEN k.is_open = 1 THEN {now} - {h1} * {14 * DAY} ELSE {now - DAY} - {h1} * {3 * 365 * DAY} END)"
        span = f"(CASE WHEN k.is_open = 1 THEN {5 * DAY} + {h2} * {60 * DAY} ELSE {20 * DAY} + {h2} * {150 * DAY} END)"
        cred_j = f"((s.i / {BLOCK}) * k.n + k.rnk)"
        conn.execute(
            text(
                f"""CREATE TABLE bench_batch AS SELECT
                s.i AS i, k.kind AS kind,
                {d.uuid("'case-' || s.i")} AS id,
                {d.uuid("'person-' || s.i")} AS person,
                {end} - {span} AS created,
                {span} AS span,
                {now} + ({h3} * 100 - 10) * {DAY} AS deadline,
                n.name AS name,
                {d.md5("'bench-status-list-' || (1 + " + cred_j + f" / {LIST_SIZE})")} AS cred_list,
                ((({cred_j}) % {LIST_SIZE}) * 48271) % {LIST_SIZE} AS cred_index,
                1 + {cred_j} / {LIST_SIZE} AS cred_list_no
                FROM {d.series(lo, hi)}
                JOIN bench_kinds k ON k.r = s.i % {BLOCK}
                JOIN bench_names n ON n.k = s.i % {len(names)}"""
            )
        )
        conn.execute(text("CREATE INDEX ix_bench_batch_kind ON bench_batch (kind)"))

    async def _status_lists(
        self, sessions: async_sessionmaker[AsyncSession], numbers: set[int]
    ) -> None:
        """The bulk credentials' lists (numbers 1 …; 0 is the real cases'), each signed as
        the worker signs one."""
        missing = sorted(numbers - self.lists)
        if not missing:
            return
        async with sessions.begin() as session:
            body = await session.scalar(
                select(AwardingBody.id).where(AwardingBody.id == self._body_id())
            )
            assert body is not None
            key = await active_key(session, self.settings.secret_key, body)
            at = datetime.now(UTC)
            for number in missing:
                row = StatusList(
                    id=hashlib.md5(f"bench-status-list-{number}".encode()).hexdigest(),
                    awarding_body_id=body,
                    purpose=PURPOSE,
                    number=number,
                    size=LIST_SIZE,
                    bits=bytes(LIST_SIZE // 8),
                    updated_at=at,
                    version=1,
                )
                row.credential = list_credential(row, key, self.settings.public_base_url, at)
                session.add(row)
        self.lists.update(missing)

    def _body_id(self) -> str:
        return str(self.templates[CREDENTIALED].rows["credentials"][0]["awarding_body_id"])

    def _overrides(self) -> dict[str, dict[str, str]]:
        d = self.d
        return {
            "users": {
                "name": "b.name",
                "email": "'candidate-' || b.i || '@bench.example'",
                "token_hash": f"{d.md5('b.id')} || {d.md5('b.person')}",
            },
            "cases": {"deadline": d.ts("b.deadline")},
            "credentials": {"status_list_id": "b.cred_list", "status_index": "b.cred_index"},
        }

    async def grow(self, total: int, sessions: async_sessionmaker[AsyncSession]) -> Seeded:
        """Bulk cases until the database holds ``total`` (the real ones count)."""
        out = Seeded()
        want = max(0, total - len(self.real))
        lo, hi = self.bulk, want
        if hi > lo:
            started = time.perf_counter()
            with self.engine.begin() as conn:
                self._batch(conn, lo, hi)
                numbers = set(
                    conn.scalars(
                        text(
                            f"SELECT DISTINCT cred_list_no FROM bench_batch WHERE kind = '{CREDENTIALED}'"
                        )
                    )
                )
            await self._status_lists(sessions, {int(n) for n in numbers})
            out.seconds["batch"] = time.perf_counter() - started
            overrides = self._overrides()
            for table in CASE_TABLES:
                started = time.perf_counter()
                n = 0
                with self.engine.begin() as conn:
                    for kind, _, _ in MIX:
                        tmpl = self.templates[TEMPLATE_OF.get(kind, kind)]
                        tmpl = replace(tmpl, kind=kind, swaps=SWAPS.get(kind, {}))
                        copier = Copier(
                            self.d, tmpl, self.shared, tmpl.case_id, tmpl.candidate_id, overrides
                        )
                        sql = copier.statement(table, f"b.kind = '{kind}'")
                        if sql is not None:
                            n += conn.execute(text(sql), copier.params).rowcount
                out.seconds[table] = time.perf_counter() - started
                out.rows[table] = n
                self.log(f"      {table:20} {n:>10,} rows  {out.seconds[table]:7.1f} s")
            self.bulk = hi
        started = time.perf_counter()
        self._grow_centres(max(CENTRES_AT_LEAST, total // CENTRES_PER_CASES), out)
        out.seconds["centres"] = time.perf_counter() - started
        with self.engine.begin() as conn:
            for t in ("bench_batch", "bench_kinds", "bench_names"):
                conn.execute(text(f"DROP TABLE IF EXISTS {t}"))
        started = time.perf_counter()
        await rebuild_figures(sessions)
        out.seconds["figures rebuild"] = time.perf_counter() - started
        started = time.perf_counter()
        self.analyze()
        out.seconds["analyze"] = time.perf_counter() - started
        with self.engine.connect() as conn:
            out.cases = int(conn.scalar(text("SELECT count(*) FROM cases")) or 0)
        return out

    def _grow_centres(self, want: int, out: Seeded) -> None:
        """Centres beside the demo one, each accredited as it is: the public registry."""
        lo, hi = self.centres, want
        if hi <= lo:
            return
        d = self.d
        with self.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_batch"))
            conn.execute(
                text(
                    f"""CREATE TABLE bench_batch AS SELECT s.i AS i, {d.uuid("'centre-' || s.i")} AS id,
                    {self.now} - {_hash01(d, 2654435761)} * {3 * 365 * DAY} AS created, 1.0 AS span
                    FROM {d.series(lo, hi)}"""
                )
            )
            over = {"centres": {"name": "'Centrum Walidacji nr ' || b.i", "region": "NULL"}}
            copier = Copier(d, self.centre_tmpl, self.shared, self.centre_id, None, over)
            for table in ("centres", "accreditations"):
                sql = copier.statement(table, "1 = 1")
                assert sql is not None
                out.rows[table] = conn.execute(text(sql), copier.params).rowcount
        self.centres = hi

    def analyze(self) -> None:
        """Statistics as a running database keeps them (autovacuum would, later)."""
        if self.d.pg:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE)"))
        else:
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE"))


async def rebuild_figures(sessions: async_sessionmaker[AsyncSession]) -> str:
    """Recount the centres' running tallies after a bulk insert (the workflows keep them
    as cases move; rows copied here moved no case)."""
    from vnfil.cases.tallies import rebuild_tallies

    async with sessions.begin() as session:
        await rebuild_tallies(session)
    return "rebuild_tallies"


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
            for t in (*CASE_TABLES, "centres", "accreditations")
        }
