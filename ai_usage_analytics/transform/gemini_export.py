"""The Cloud Billing export as the pipeline reads it: the flattened columns of
``sql/queries/gemini_billing_export.sql`` (and of the local CSV), the Gemini services, and the
``user`` request-label encoding of an email. No settings are read here: the demo imports it before
the environment is in place.
"""

from __future__ import annotations

import re

GEMINI_API_SERVICES = ("Gemini API", "Generative Language API")
VERTEX_SERVICES = ("Vertex AI",)
BILLING_COLUMNS = (
    "billing_account_id", "service_id", "service_description", "sku_id", "sku_description", "usage_start_time",
    "usage_end_time", "project_id", "project_name", "labels", "cost", "currency", "credits_amount", "cost_type",
    "usage_amount", "usage_unit",
)
USER_LABEL, TEAM_LABEL = "user", "team"
LABEL_LENGTH = 63
_NOT_LABEL = re.compile(r"[^a-z0-9_\-]")


def email_label(email: str) -> str:
    """The ``user`` request-label value for an email (labels refuse ``@`` and ``.``)."""
    text = email.strip().lower().replace("@", "_at_").replace(".", "_")
    return _NOT_LABEL.sub("-", text)[:LABEL_LENGTH]
