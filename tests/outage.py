"""Helpers for fault tests: a Temporal client whose calls can be held or whose answers
can be lost, an API client that shows 500s as responses, and an upload body that
counts what the server pulled from it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from temporalio.client import (
    Client,
    Interceptor,
    ListWorkflowsInput,
    OutboundInterceptor,
    QueryWorkflowInput,
    StartWorkflowUpdateInput,
    WorkflowUpdateHandle,
)
from temporalio.service import RPCError, RPCStatusCode


@dataclass
class Faults(Interceptor):
    """Holds every query and update until ``release`` is set (counting arrivals), and
    loses the answer of the updates named in ``lose_answer`` after they have landed,
    as a Temporal restart does."""

    held: bool = False
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: int = 0
    lose_answer: set[str] = field(default_factory=set)
    _arrival: asyncio.Condition = field(default_factory=asyncio.Condition)

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _FaultyCalls(next, self)

    async def hold(self) -> None:
        if self.held:
            async with self._arrival:
                self.arrived += 1
                self._arrival.notify_all()
            await self.release.wait()

    async def wait_for_arrivals(self, n: int) -> None:
        """Until ``n`` calls are being held (a state, not a duration)."""
        async with self._arrival:
            await self._arrival.wait_for(lambda: self.arrived >= n)


class _FaultyCalls(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, faults: Faults) -> None:
        super().__init__(next)
        self.faults = faults

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        await self.faults.hold()
        return await super().query_workflow(input)

    def list_workflows(self, input: ListWorkflowsInput) -> Any:
        listing = super().list_workflows(input)
        faults = self.faults

        async def held() -> AsyncIterator[Any]:  # the first page waits like any call
            await faults.hold()
            async for wf in listing:
                yield wf

        return held()

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        await self.faults.hold()
        handle = await super().start_workflow_update(input)
        if input.update in self.faults.lose_answer:
            await handle.result()  # it landed ...
            raise RPCError("connection reset", RPCStatusCode.UNAVAILABLE, b"")  # ... unheard
        return handle


def with_faults(client: Client, faults: Faults) -> Client:
    """The same connection and converter, with the faults in front."""
    config = client.config()
    config["interceptors"] = [*config["interceptors"], faults]
    return Client(**config)


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    """An unhandled exception answers 500 here, as in production, instead of raising."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://testserver",
        timeout=120,
    )


@dataclass
class CountingBody:
    """A request body that records how many of its bytes the server pulled."""

    data: bytes
    chunk: int = 1024
    pulled: int = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.data), self.chunk):
            piece = self.data[i : i + self.chunk]
            self.pulled += len(piece)
            yield piece
