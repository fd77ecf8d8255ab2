"""Every table of vnfil, for Alembic and nothing else.

Each domain keeps its ORM models in its own ``models`` module (``vnfil.cases.models``,
``vnfil.accounts.models`` …); a table is on ``Base.metadata`` only once its module is
imported. This module imports them all, so ``metadata`` is complete: the migrations'
environment compares against it. Application code imports models from their domain,
never from here.
"""

from __future__ import annotations

from vnfil.accounts import models as accounts
from vnfil.cases import models as cases
from vnfil.credentials import models as credentials
from vnfil.events import models as events
from vnfil.evidence import models as evidence
from vnfil.funding import models as funding
from vnfil.platform.db import Base
from vnfil.standards import models as standards
from vnfil.trust import models as trust

DOMAINS = (accounts, cases, credentials, events, evidence, funding, standards, trust)
metadata = Base.metadata
