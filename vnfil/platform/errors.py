"""Kinds of refusal a human step can meet; workflows raise them, the API maps them.

They travel as ``ApplicationError.type`` so nobody matches error text.
"""

from enum import StrEnum


class Refusal(StrEnum):
    wrong_stage = "WrongStage"  # 409: the case is not at the stage this step belongs to
    invalid = "InvalidStep"  # 422: the step's content breaks a rule of the standard or case
    forbidden = "NotPermitted"  # 403: this person may not take this step on this case


HTTP_STATUS = {Refusal.wrong_stage: 409, Refusal.invalid: 422, Refusal.forbidden: 403}
