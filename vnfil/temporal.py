"""What every Temporal client in vnfil shares: converter, search attributes, connect."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter

from vnfil.settings import Settings

STAGE = SearchAttributeKey.for_keyword("VnfilStage")
CENTRE = SearchAttributeKey.for_keyword("VnfilCentre")
STANDARD = SearchAttributeKey.for_keyword("VnfilStandard")
STATUS = SearchAttributeKey.for_keyword("VnfilStatus")
SEARCH_ATTRIBUTES = (STAGE, CENTRE, STANDARD, STATUS)


def workflow_id(case_id: str) -> str:
    return f"case-{case_id}"


async def connect(settings: Settings, *, lazy: bool = False) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        lazy=lazy,
    )
