"""What every Temporal client in vnfil shares: converter, search attributes, connect."""

from __future__ import annotations

from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from vnfil.platform.settings import Settings

STAGE = SearchAttributeKey.for_keyword("VnfilStage")
CENTRE = SearchAttributeKey.for_keyword("VnfilCentre")
STANDARD = SearchAttributeKey.for_keyword("VnfilStandard")
STATUS = SearchAttributeKey.for_keyword("VnfilStatus")
SEARCH_ATTRIBUTES = (STAGE, CENTRE, STANDARD, STATUS)


async def ensure_search_attributes(client: Client) -> list[str]:
    """Register any of vnfil's search attributes the namespace lacks; return those added.

    A persistent dev server (or a cluster) created by an older vnfil lacks newer ones.
    """
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = [sa.name for sa in SEARCH_ATTRIBUTES if sa.name not in existing.custom_attributes]
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=client.namespace,
                search_attributes={n: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for n in missing},
            )
        )
    return missing


def workflow_id(case_id: str) -> str:
    return f"case-{case_id}"


def tls_config(settings: Settings) -> TLSConfig | bool:
    """TLS to the Temporal cluster when the settings ask for it (``temporal_tls``, a
    certificate, or an API key, which is only ever sent over TLS); else plain gRPC."""
    paths = (
        settings.temporal_tls_ca_path,
        settings.temporal_tls_cert_path,
        settings.temporal_tls_key_path,
    )
    if not (settings.temporal_tls or settings.temporal_api_key or any(paths)):
        return False
    if bool(settings.temporal_tls_cert_path) != bool(settings.temporal_tls_key_path):
        raise ValueError(
            "VNFIL_TEMPORAL_TLS_CERT_PATH and VNFIL_TEMPORAL_TLS_KEY_PATH go together "
            "(mutual TLS needs both)"
        )
    ca, cert, key = (Path(p).read_bytes() if p else None for p in paths)
    return TLSConfig(server_root_ca_cert=ca, client_cert=cert, client_private_key=key)


async def connect(settings: Settings, *, lazy: bool = False) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        tls=tls_config(settings),
        api_key=settings.temporal_api_key or None,
        lazy=lazy,
    )
