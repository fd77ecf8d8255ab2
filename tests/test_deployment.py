"""What a deployment past one machine relies on: the database pool sized by settings, the
worker's health port, the production server's options, the image's system packages, and
the Helm chart (linted and rendered by Helm's own engine, its probes and settings checked
against the application). The processes themselves: ``tests/test_scale_out.py``."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from temporalio.service import TLSConfig

from vnfil.platform.db import make_engine
from vnfil.platform.embedded import free_port
from vnfil.platform.probe import HEALTH_PATH, serve_health
from vnfil.platform.serving import GRACEFUL_SHUTDOWN_SECONDS, uvicorn_options
from vnfil.platform.settings import Settings
from vnfil.platform.temporal import connect, tls_config

ROOT = Path(__file__).resolve().parent.parent
SMALL_POOL = {
    "db_pool_size": 2,
    "db_max_overflow": 1,
    "db_pool_timeout_seconds": 0.5,
    "db_pool_recycle_seconds": 120,
}


async def test_the_database_pool_is_sized_by_the_settings(database, db_kind: str) -> None:
    engine = make_engine(Settings(**database, **SMALL_POOL))  # type: ignore[arg-type]
    try:
        pool = engine.pool
        if db_kind == "sqlite":
            # SQLite keeps its own pool: one file, WAL, a busy timeout (make_engine).
            assert pool.size() != SMALL_POOL["db_pool_size"]  # type: ignore[attr-defined]
            return
        assert pool.size() == 2  # type: ignore[attr-defined]
        assert pool._max_overflow == 1  # type: ignore[attr-defined]
        assert pool._timeout == 0.5  # type: ignore[attr-defined]
        assert pool._recycle == 120
        # Three connections at most: the fourth waits pool_timeout, then fails.
        held = [await engine.connect() for _ in range(3)]
        for conn in held:
            assert await conn.scalar(text("SELECT 1")) == 1
        with pytest.raises(PoolTimeout):
            await engine.connect()
        await held.pop().close()
        async with engine.connect() as conn:  # one came back: the next one gets it
            assert await conn.scalar(text("SELECT 1")) == 1
        for conn in held:
            await conn.close()
    finally:
        await engine.dispose()


def test_pool_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "VNFIL_DB_POOL_SIZE": "20",
        "VNFIL_DB_MAX_OVERFLOW": "0",
        "VNFIL_DB_POOL_TIMEOUT_SECONDS": "3.5",
        "VNFIL_DB_POOL_RECYCLE_SECONDS": "-1",
    }.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert (s.db_pool_size, s.db_max_overflow) == (20, 0)
    assert (s.db_pool_timeout_seconds, s.db_pool_recycle_seconds) == (3.5, -1)
    defaults = Settings.model_fields
    assert defaults["db_pool_size"].default == 5 and defaults["db_max_overflow"].default == 10
    monkeypatch.setenv("VNFIL_DB_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="db_pool_size"):
        Settings()


def test_the_production_server_runs_on_uvloop_and_httptools(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VNFIL_API_WORKERS", "3")
    monkeypatch.setenv("VNFIL_FORWARDED_ALLOW_IPS", "*")
    options = uvicorn_options(Settings())
    assert options["loop"] == "uvloop" and options["http"] == "httptools"
    assert options["workers"] == 3 and options["forwarded_allow_ips"] == "*"
    assert options["proxy_headers"] is True and options["timeout_keep_alive"] > 60
    assert uvicorn_options(Settings(), port=9001, workers=1)["port"] == 9001


async def _get(port: int, path: str) -> tuple[int, dict]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: probe\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


async def test_the_worker_health_port_answers_from_its_state() -> None:
    healthy = {"now": True}
    port = free_port()
    server = await serve_health(
        port, lambda: (healthy["now"], {"identity": "123@host"}), host="127.0.0.1"
    )
    try:
        assert await _get(port, "/health") == (200, {"status": "ok", "identity": "123@host"})
        healthy["now"] = False
        assert await _get(port, "/health?x=1") == (
            503,
            {"status": "stopped", "identity": "123@host"},
        )
        assert (await _get(port, "/other"))[0] == 404
    finally:
        server.close()
        await server.wait_closed()


async def test_temporal_tls_is_used_when_the_settings_ask_for_it(
    temporal_env, tmp_path: Path
) -> None:
    address = temporal_env.client.service_client.config.target_host
    plain = Settings(temporal_address=address)
    assert tls_config(plain) is False
    assert (await connect(plain)).namespace == "default"  # the dev server speaks plain gRPC
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    tls = tls_config(Settings(temporal_tls_ca_path=str(ca)))
    assert isinstance(tls, TLSConfig) and tls.server_root_ca_cert == ca.read_bytes()
    assert isinstance(tls_config(Settings(temporal_api_key="key")), TLSConfig)
    with pytest.raises(ValueError, match="go together"):
        tls_config(Settings(temporal_tls_cert_path=str(ca)))
    # Asked for TLS, the client does not fall back to plain text: the plain server is
    # not reached.
    with pytest.raises(RuntimeError, match="connect"):
        await asyncio.wait_for(connect(Settings(temporal_address=address, temporal_tls=True)), 60)


# --- the Helm chart -------------------------------------------------------------------

CHART = ROOT / "infra" / "helm" / "vnfil"
EXAMPLE = ROOT / "infra" / "helm" / "example-region.yaml"
STRONG_KEY = "kX9#vQ2!mR7$wL4@pT8%zN3^yB6&hJ1*cF5"


def _example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text())


def _trial() -> dict[str, Any]:
    """The example, with the Secret made by the chart (a trial) instead of an existing one."""
    values = _example()
    values["secrets"] = {
        "existingSecret": "",
        "values": {
            "databaseUrl": "postgresql+psycopg://vnfil:pw@db.pomorskie.example:5432/vnfil",
            "s3AccessKey": "vnfil",
            "s3SecretKey": "a-real-secret",
            "secretKey": STRONG_KEY,
        },
    }
    return values


def _render(values: dict[str, Any], upgrade: bool = False) -> list[dict[str, Any]]:
    chart = helm.Chart.load(CHART)
    rendered = chart.render(
        values,
        name="vnfil",
        namespace="vnfil-pomorskie",
        is_install=not upgrade,
        is_upgrade=upgrade,
    )
    docs = []
    for path, text_ in rendered.items():
        if path.endswith(".txt"):
            continue
        docs += [d for d in yaml.safe_load_all(text_) if d]
    return docs


def _one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [found] = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def _container(doc: dict[str, Any]) -> dict[str, Any]:
    [container] = doc["spec"]["template"]["spec"]["containers"]
    return container


def test_the_chart_lints_clean_under_helm() -> None:
    for values in (_example(), _trial()):
        report = helm.lint(CHART, values, strict=True, kube_version="v1.30.0")
        assert report["errors"] == [], report
        # Only "info" (an icon is recommended); no warning, no error.
        assert [m for m in report["messages"] if m["severity"] >= 2] == [], report


def test_the_chart_refuses_to_render_without_what_it_cannot_guess() -> None:
    with pytest.raises(helm.HelmError, match="publicBaseUrl is required"):
        helm.Chart.load(CHART).render({}, name="vnfil", namespace="x")
    values = _trial()
    values["secrets"]["values"]["databaseUrl"] = ""
    with pytest.raises(helm.HelmError, match="databaseUrl"):
        _render(values)


def test_every_probe_asks_an_endpoint_that_exists() -> None:
    from api.main import create_app

    # What the API answers to GET (probes send GET).
    routes = {p for p, ops in create_app(Settings()).openapi()["paths"].items() if "get" in ops}
    docs = _render(_example())
    api = _container(_one(docs, "Deployment", "vnfil-api"))
    worker = _container(_one(docs, "Deployment", "vnfil-worker"))
    for container, paths in ((api, routes), (worker, {HEALTH_PATH})):
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        env = {e["name"]: e.get("value") for e in container["env"]}
        probes = {k: v for k, v in container.items() if k.endswith("Probe")}
        assert {"startupProbe", "livenessProbe"} <= set(probes), container["name"]
        for kind, probe in probes.items():
            assert probe["httpGet"]["path"] in paths, (container["name"], kind, probe)
            assert probe["httpGet"]["port"] in ports, (container["name"], kind, probe)
        if container is api:
            assert probes["readinessProbe"]["httpGet"]["path"] == "/health/ready"
            assert probes["livenessProbe"]["httpGet"]["path"] == "/health/live"
            assert int(env["VNFIL_API_PORT"]) == ports["http"]
        else:
            assert int(env["VNFIL_WORKER_HEALTH_PORT"]) == ports["health"]


def _variables(doc: dict[str, Any]) -> set[str]:
    if doc["kind"] == "ConfigMap":
        return set(doc["data"])
    if doc["kind"] == "Secret":
        return set(doc["stringData"])
    if doc["kind"] in ("Deployment", "Job"):
        return {e["name"] for e in _container(doc).get("env", [])}
    return set()


def test_every_variable_the_chart_sets_is_a_setting() -> None:
    known = {f"VNFIL_{name.upper()}" for name in Settings.model_fields}
    values = _trial()
    values["config"]["extra"] = {"VNFIL_WEBHOOK_RETRY_HOURS": 24}
    values["api"]["env"] = {"VNFIL_MAX_UPLOAD_BYTES": 1024}
    seen: set[str] = set()
    for doc in _render(values):
        seen |= _variables(doc)
    assert seen - known == set(), f"not settings: {sorted(seen - known)}"
    assert {"VNFIL_DB_POOL_SIZE", "VNFIL_WORKER_HEALTH_PORT", "VNFIL_API_WORKERS"} <= seen


def _process_env(docs: list[dict[str, Any]], doc: dict[str, Any]) -> dict[str, str]:
    """What a container's process sees: its envFrom sources, then its own env."""
    env: dict[str, str] = {}
    container = _container(doc)
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env |= _one(docs, "ConfigMap", source["configMapRef"]["name"])["data"]
        if "secretRef" in source:
            env |= _one(docs, "Secret", source["secretRef"]["name"])["stringData"]
    return env | {e["name"]: e["value"] for e in container.get("env", [])}


def test_each_process_gets_settings_production_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _render(_trial())
    workloads = [d for d in docs if d["kind"] in ("Deployment", "Job")]
    assert len(workloads) == 4
    for doc in workloads:
        with monkeypatch.context() as m:
            for name, value in _process_env(docs, doc).items():
                m.setenv(name, value)
            settings = Settings()  # the production checks pass: https, a strong key...
        assert settings.environment == "production"
        assert settings.database_url.startswith("postgresql+psycopg://")
        assert settings.public_base_url == "https://walidacja.pomorskie.example"
        assert settings.temporal_tls and settings.temporal_tls_cert_path
        # The TLS files are where the Secret is mounted.
        mounts = {m["mountPath"] for m in _container(doc)["volumeMounts"]}
        assert str(Path(settings.temporal_tls_cert_path).parent) in mounts
        assert "/tmp" in mounts  # the root filesystem is read-only


def test_the_chart_runs_the_commands_vnfil_has() -> None:
    import tomllib

    from vnfil.cli import app as cli

    commands = {c.name or c.callback.__name__ for c in cli.registered_commands}  # type: ignore[union-attr]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    docs = _render(_example())
    run = {
        d["metadata"]["name"]: _container(d)["command"]
        for d in docs
        if d["kind"] in ("Deployment", "Job")
    }
    assert run == {
        "vnfil-api": ["vnfil", "serve"],
        "vnfil-worker": ["vnfil-worker"],
        "vnfil-migrate": ["vnfil", "migrate"],
        "vnfil-temporal-setup": ["vnfil", "setup-temporal"],
    }
    for argv in run.values():
        assert argv[0] in scripts
        if argv[0] == "vnfil":
            assert argv[1] in commands
    values = _example()
    values["temporalSetup"] = {"searchAttributes": False}
    job = _one(_render(values), "Job", "vnfil-temporal-setup")
    assert _container(job)["command"] == ["vnfil", "setup-temporal", "--no-search-attributes"]


def test_releases_migrate_then_set_up_temporal_before_any_new_pod() -> None:
    for upgrade in (False, True):
        docs = _render(_trial(), upgrade=upgrade)
        hooks = {
            d["metadata"]["name"]: d["metadata"]["annotations"]
            for d in docs
            if "helm.sh/hook" in d["metadata"].get("annotations", {})
        }
        assert set(hooks) == {"vnfil-secrets", "vnfil-migrate", "vnfil-temporal-setup"}
        for said in hooks.values():
            assert {"pre-install", "pre-upgrade"} <= set(said["helm.sh/hook"].split(","))
            assert said["helm.sh/hook-delete-policy"] == "before-hook-creation"
        weight = {name: int(a["helm.sh/hook-weight"]) for name, a in hooks.items()}
        assert weight["vnfil-secrets"] < weight["vnfil-migrate"] < weight["vnfil-temporal-setup"]
        for name in ("vnfil-migrate", "vnfil-temporal-setup"):
            job = _one(docs, "Job", name)
            assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
            assert job["spec"]["activeDeadlineSeconds"] > 0
            # It runs before the ConfigMap exists: its settings are its own.
            assert not any("configMapRef" in s for s in _container(job)["envFrom"])
    # With an existing Secret the chart makes none.
    assert not [d for d in _render(_example()) if d["kind"] == "Secret"]


def test_api_and_workers_scale_and_survive_disruptions() -> None:
    docs = _render(_example())
    for component in ("api", "worker"):
        deployment = _one(docs, "Deployment", f"vnfil-{component}")
        assert "replicas" not in deployment["spec"]  # the autoscaler owns it
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()
        hpa = _one(docs, "HorizontalPodAutoscaler", f"vnfil-{component}")
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": f"vnfil-{component}",
        }
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        pdb = _one(docs, "PodDisruptionBudget", f"vnfil-{component}")
        assert pdb["spec"]["selector"]["matchLabels"] == selector
        assert pdb["spec"]["maxUnavailable"] == 1
        container = _container(deployment)
        assert container["resources"]["requests"]["cpu"]
        assert container["resources"]["requests"]["memory"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
    service = _one(docs, "Service", "vnfil-api")
    api = _one(docs, "Deployment", "vnfil-api")
    assert service["spec"]["selector"] == api["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    ingress = _one(docs, "Ingress", "vnfil-api")
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == (
        "vnfil-api"
    )
    # A stop is graceful within the pod's grace period: the API's preStop pause and the
    # server's own drain; the worker's activities in hand.
    pod = api["spec"]["template"]["spec"]
    pause = int(_container(api)["lifecycle"]["preStop"]["exec"]["command"][1])
    assert pause + GRACEFUL_SHUTDOWN_SECONDS < pod["terminationGracePeriodSeconds"]
    worker = _one(docs, "Deployment", "vnfil-worker")
    env = {e["name"]: e["value"] for e in _container(worker)["env"]}
    grace = worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert 0 < float(env["VNFIL_WORKER_GRACEFUL_SHUTDOWN_SECONDS"]) < grace
    # Without autoscaling, the replica counts are the chart's.
    values = _example()
    values["api"]["autoscaling"]["enabled"] = values["worker"]["autoscaling"]["enabled"] = False
    fixed = _render(values)
    assert _one(fixed, "Deployment", "vnfil-api")["spec"]["replicas"] == 3
    assert not [d for d in fixed if d["kind"] == "HorizontalPodAutoscaler"]


# --- the image --------------------------------------------------------------------------


def test_the_image_check_passes_on_this_debian() -> None:
    """The Dockerfile runs infra/check_image.py in the image; the same check here, on the
    same Debian release, with the same packages installed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "check_image.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "DejaVu Sans embedded" in result.stdout


def test_the_image_installs_what_weasyprint_loads() -> None:
    """Each library WeasyPrint opens (weasyprint.text.ffi) comes from a package the
    Dockerfile installs or one of its dependencies, on the Dockerfile's Debian release
    (this machine's: bookworm)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim-bookworm" in dockerfile
    if "bookworm" not in Path("/etc/os-release").read_text() or not shutil.which("dpkg"):
        pytest.skip("needs Debian bookworm's package database to compare with")
    install = re.search(r"apt-get install -y --no-install-recommends(.*?)&&", dockerfile, re.S)
    assert install is not None
    packages = set(install.group(1).replace("\\", " ").split())
    assert "fonts-dejavu-core" in packages and "libharfbuzz-subset0" in packages
    closure = subprocess.run(
        [
            "apt-cache",
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            *packages,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    provided = {line.strip() for line in closure.splitlines() if not line.startswith(" ")}
    for soname in (
        "libgobject-2.0.so.0",
        "libpango-1.0.so.0",
        "libharfbuzz.so.0",
        "libharfbuzz-subset.so.0",
        "libfontconfig.so.1",
        "libpangoft2-1.0.so.0",
    ):
        owner = subprocess.run(
            ["dpkg", "-S", soname], capture_output=True, text=True, check=True
        ).stdout.split(":")[0]
        assert owner in provided, (soname, owner)


async def test_setup_temporal_registers_search_attributes_and_schedules_once(
    temporal_env, tmp_path: Path
) -> None:
    """`vnfil setup-temporal`, as the release Job runs it (its own process, settings from
    the environment), on a namespace of its own that has nothing yet."""
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
    from temporalio.api.workflowservice.v1 import (
        DescribeNamespaceRequest,
        RegisterNamespaceRequest,
    )
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter

    from activities.worker import SESSION_PURGE_SCHEDULE, SWEEP_SCHEDULE
    from vnfil.platform.embedded import venv_bin

    client = temporal_env.client
    namespace = f"region-{uuid.uuid4().hex[:8]}"
    await client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period=timedelta(days=1)
        )
    )
    await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
    env = {
        **os.environ,
        **Settings(temporal_address=client.service_client.config.target_host).as_env(),
        "VNFIL_TEMPORAL_NAMESPACE": namespace,
        "VNFIL_TASK_QUEUE": "region-cases",
    }

    def setup(*args: str) -> str:
        done = subprocess.run(
            [venv_bin("vnfil"), "setup-temporal", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return " ".join(done.stdout.split())

    first = setup("--no-search-attributes")
    assert "search attributes added: none" in first
    assert f"schedules created: {SWEEP_SCHEDULE}, {SESSION_PURGE_SCHEDULE}" in first
    second = setup()
    assert "search attributes added: VnfilStage, VnfilCentre, VnfilStandard, VnfilStatus" in (
        second
    )
    assert "schedules created: none (all present)" in second
    assert "search attributes added: none (all present)" in setup()

    region = await Client.connect(
        client.service_client.config.target_host,
        namespace=namespace,
        data_converter=pydantic_data_converter,
    )
    listed = await region.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    assert {"VnfilStage", "VnfilStatus"} <= set(listed.custom_attributes)
    for schedule in (SWEEP_SCHEDULE, SESSION_PURGE_SCHEDULE):
        described = await region.get_schedule_handle(schedule).describe()
        assert described.schedule.action.task_queue == "region-cases"  # type: ignore[union-attr]
