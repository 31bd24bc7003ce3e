"""One pandera model per warehouse table: the frame contract checked before every write."""

from __future__ import annotations

from functools import partial

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ai_usage_analytics.checks.fast_dtypes import Day, Text, UtcTime
from ai_usage_analytics.transform.platforms import CATEGORIES, COST_MODELS, PLATFORM_CODES, VENDORS

# A check with a result per row. ignore_na=False: pandera's default passes rows whose every column is
# null, and to find them it tests every cell of the frame (a third of a fact chunk's validation);
# no table here can hold such a row (each has non-null keys, checked column by column).
row_check = partial(pa.dataframe_check, ignore_na=False)


class DimPlatforms(pa.DataFrameModel):
    platform_sk: Series[Text] = pa.Field(unique=True)
    platform_code: Series[Text] = pa.Field(unique=True, isin=PLATFORM_CODES)
    platform_name: Series[Text] = pa.Field(str_length={"min_value": 1})
    category: Series[Text] = pa.Field(isin=CATEGORIES)
    vendor: Series[Text] = pa.Field(isin=VENDORS)
    cost_model: Series[Text] = pa.Field(isin=COST_MODELS)
    supports_user_attribution: Series[bool]
    supports_productivity_metrics: Series[bool]
    created_at: Series[UtcTime]

    class Config:
        strict = True
        coerce = True
        ordered = True

    @row_check
    def surrogate_key_is_code(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["platform_sk"] == frame["platform_code"]


class _RawTable(pa.DataFrameModel):
    """Shared config: exact column set and order, types coerced."""

    class Config:
        strict = True
        coerce = True
        ordered = True


def count():
    """A non-negative, nullable counter column (a new Field per column: pandera binds each to its name)."""
    return pa.Field(ge=0, nullable=True)


class RawCursorEvents(_RawTable):
    event_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    email: Series[Text] = pa.Field(str_contains="@")
    usage_date: Series[Day]
    session_id: Series[Text] = pa.Field(nullable=True)
    total_lines_added: Series[pd.Int64Dtype] = count()
    accepted_lines_added: Series[pd.Int64Dtype] = count()
    total_accepts: Series[pd.Int64Dtype] = count()
    total_rejects: Series[pd.Int64Dtype] = count()
    subscription_included_reqs: Series[pd.Int64Dtype] = count()
    usage_based_reqs: Series[pd.Int64Dtype] = count()
    most_used_model: Series[Text] = pa.Field(nullable=True)
    client_version: Series[Text] = pa.Field(nullable=True)
    raw_response: Series[Text]
    event_timestamp: Series[UtcTime]
    user_id: Series[Text] = pa.Field(nullable=True)
    is_active: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    total_lines_deleted: Series[pd.Int64Dtype] = count()
    accepted_lines_deleted: Series[pd.Int64Dtype] = count()
    total_applies: Series[pd.Int64Dtype] = count()
    total_tabs_shown: Series[pd.Int64Dtype] = count()
    total_tabs_accepted: Series[pd.Int64Dtype] = count()
    composer_requests: Series[pd.Int64Dtype] = count()
    chat_requests: Series[pd.Int64Dtype] = count()
    agent_requests: Series[pd.Int64Dtype] = count()
    cmdk_usages: Series[pd.Int64Dtype] = count()
    api_key_reqs: Series[pd.Int64Dtype] = count()
    bugbot_usages: Series[pd.Int64Dtype] = count()
    apply_most_used_extension: Series[Text] = pa.Field(nullable=True)
    tab_most_used_extension: Series[Text] = pa.Field(nullable=True)

    @row_check
    def accepted_within_suggested(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["accepted_lines_added"].fillna(0) <= frame["total_lines_added"].fillna(0)) | frame[
            "total_lines_added"
        ].isna()


class RawCursorUsageEvents(_RawTable):
    event_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    usage_date: Series[Day]
    event_timestamp: Series[UtcTime]
    user_email: Series[Text] = pa.Field(nullable=True)
    model: Series[Text] = pa.Field(nullable=True)
    kind: Series[Text] = pa.Field(nullable=True)
    max_mode: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    requests_costs: Series[float] = pa.Field(ge=0, nullable=True)
    is_token_based_call: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    is_chargeable: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    is_headless: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    input_tokens: Series[pd.Int64Dtype] = count()
    output_tokens: Series[pd.Int64Dtype] = count()
    cache_write_tokens: Series[pd.Int64Dtype] = count()
    cache_read_tokens: Series[pd.Int64Dtype] = count()
    token_cost_usd: Series[object] = pa.Field(nullable=True)
    discount_percent_off: Series[float] = pa.Field(ge=0, le=100, nullable=True)
    charged_usd: Series[object] = pa.Field(nullable=True)
    cursor_token_fee_usd: Series[object] = pa.Field(nullable=True)
    conversation_id: Series[Text] = pa.Field(nullable=True)
    service_account_id: Series[Text] = pa.Field(nullable=True)
    service_account_name: Series[Text] = pa.Field(nullable=True)
    cloud_agent_id: Series[Text] = pa.Field(nullable=True)
    automation_id: Series[Text] = pa.Field(nullable=True)
    raw_response: Series[Text]


class RawClaudeEvents(_RawTable):
    event_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    api_key_id: Series[Text] = pa.Field(nullable=True)
    workspace_id: Series[Text] = pa.Field(nullable=True)
    model: Series[Text] = pa.Field(nullable=True)
    platform: Series[Text] = pa.Field(isin=["claude_code", "claude_api"])
    uncached_input_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    cached_input_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    cache_read_input_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    cache_creation_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    output_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    detection_method: Series[Text]
    detection_confidence: Series[float] = pa.Field(ge=0, le=1)
    service_tier: Series[Text] = pa.Field(nullable=True)
    context_window: Series[Text] = pa.Field(nullable=True)
    starting_at: Series[UtcTime]
    ending_at: Series[UtcTime]
    raw_response: Series[Text]
    usage_date: Series[Day]
    cache_creation_5m_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    cache_creation_1h_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    web_search_requests: Series[pd.Int64Dtype] = pa.Field(ge=0)
    inference_geo: Series[Text] = pa.Field(nullable=True)
    account_id: Series[Text] = pa.Field(nullable=True)
    service_account_id: Series[Text] = pa.Field(nullable=True)

    @row_check
    def cache_parts_add_up(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["cached_input_tokens"] == frame["cache_read_input_tokens"] + frame["cache_creation_tokens"]


class RawClaudeCodeEvents(_RawTable):
    event_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    usage_date: Series[Day]
    actor_type: Series[Text] = pa.Field(isin=["user_actor", "api_actor"])
    actor_email: Series[Text] = pa.Field(nullable=True)
    api_key_name: Series[Text] = pa.Field(nullable=True)
    organization_id: Series[Text] = pa.Field(nullable=True)
    customer_type: Series[Text] = pa.Field(nullable=True)
    subscription_type: Series[Text] = pa.Field(nullable=True)
    terminal_type: Series[Text] = pa.Field(nullable=True)
    is_remote: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    num_sessions: Series[pd.Int64Dtype] = pa.Field(ge=0)
    lines_added: Series[pd.Int64Dtype] = pa.Field(ge=0)
    lines_removed: Series[pd.Int64Dtype] = pa.Field(ge=0)
    commits_by_claude_code: Series[pd.Int64Dtype] = pa.Field(ge=0)
    pull_requests_by_claude_code: Series[pd.Int64Dtype] = pa.Field(ge=0)
    tool_accepted: Series[pd.Int64Dtype] = pa.Field(ge=0)
    tool_rejected: Series[pd.Int64Dtype] = pa.Field(ge=0)
    tool_actions: Series[Text]
    input_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    output_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    cache_read_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    cache_creation_tokens: Series[pd.Int64Dtype] = pa.Field(ge=0)
    estimated_cost_usd: Series[object] = pa.Field(nullable=True)
    model_breakdown: Series[Text]
    raw_response: Series[Text]

    @row_check
    def actor_is_identified(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["actor_email"].notna() | frame["api_key_name"].notna()


class RawClaudeCosts(_RawTable):
    cost_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    workspace_id: Series[Text] = pa.Field(nullable=True)
    api_key_id: Series[Text] = pa.Field(nullable=True)
    platform: Series[Text] = pa.Field(isin=["claude_code", "claude_api"])
    amount_usd: Series[object]
    description: Series[Text] = pa.Field(nullable=True)
    cost_type: Series[Text] = pa.Field(nullable=True)
    cost_date: Series[Day]
    model: Series[Text] = pa.Field(nullable=True)
    detection_method: Series[Text]
    raw_response: Series[Text]
    currency: Series[Text] = pa.Field(isin=["USD"])
    token_type: Series[Text] = pa.Field(nullable=True)
    service_tier: Series[Text] = pa.Field(nullable=True)
    context_window: Series[Text] = pa.Field(nullable=True)
    inference_geo: Series[Text] = pa.Field(nullable=True)
    starting_at: Series[UtcTime]
    ending_at: Series[UtcTime]

    @pa.check("amount_usd")
    def amount_is_a_number(cls, series: pd.Series) -> pd.Series:
        return series.map(lambda v: v is not None and v == v and v >= 0)


class RawAnthropicApiKeys(_RawTable):
    api_key_id: Series[Text] = pa.Field(unique=True)
    api_key_name: Series[Text] = pa.Field(nullable=True)
    workspace_id: Series[Text] = pa.Field(nullable=True)
    status: Series[Text] = pa.Field(nullable=True)
    created_at: Series[UtcTime] = pa.Field(nullable=True)
    created_by_id: Series[Text] = pa.Field(nullable=True)
    created_by_type: Series[Text] = pa.Field(nullable=True)
    principal_id: Series[Text] = pa.Field(nullable=True)
    principal_type: Series[Text] = pa.Field(nullable=True)
    expires_at: Series[UtcTime] = pa.Field(nullable=True)
    partial_key_hint: Series[Text] = pa.Field(nullable=True)
    fetched_at: Series[UtcTime]
    raw_response: Series[Text]


class RawAnthropicWorkspaces(_RawTable):
    workspace_id: Series[Text] = pa.Field(unique=True)
    workspace_name: Series[Text] = pa.Field(nullable=True)
    created_at: Series[UtcTime] = pa.Field(nullable=True)
    archived_at: Series[UtcTime] = pa.Field(nullable=True)
    fetched_at: Series[UtcTime]
    raw_response: Series[Text]


class RawAnthropicUsers(_RawTable):
    user_id: Series[Text] = pa.Field(unique=True)
    email: Series[Text] = pa.Field(nullable=True)
    name: Series[Text] = pa.Field(nullable=True)
    role: Series[Text] = pa.Field(nullable=True)
    added_at: Series[UtcTime] = pa.Field(nullable=True)
    fetched_at: Series[UtcTime]
    raw_response: Series[Text]


def money():
    """An exact Decimal amount column (NUMERIC(38, 9)); pandas keeps Decimals as objects."""
    return pa.Field(nullable=False)


class RawClaudeWebEvents(_RawTable):
    event_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    usage_date: Series[Day]
    user_id: Series[Text] = pa.Field(nullable=True)
    user_email: Series[Text] = pa.Field(nullable=True)
    user_type: Series[Text] = pa.Field(nullable=True)
    rbac_group_id: Series[Text] = pa.Field(nullable=True)
    rbac_group_name: Series[Text] = pa.Field(nullable=True)
    last_activity_date: Series[Day] = pa.Field(nullable=True)
    chat_message_count: Series[pd.Int64Dtype] = count()
    chat_conversation_count: Series[pd.Int64Dtype] = count()
    chat_thinking_message_count: Series[pd.Int64Dtype] = count()
    chat_files_uploaded_count: Series[pd.Int64Dtype] = count()
    chat_artifacts_created_count: Series[pd.Int64Dtype] = count()
    chat_projects_created_count: Series[pd.Int64Dtype] = count()
    chat_projects_used_count: Series[pd.Int64Dtype] = count()
    chat_connectors_used_count: Series[pd.Int64Dtype] = count()
    chat_skills_used_count: Series[pd.Int64Dtype] = count()
    claude_code_session_count: Series[pd.Int64Dtype] = count()
    claude_code_commit_count: Series[pd.Int64Dtype] = count()
    claude_code_pull_request_count: Series[pd.Int64Dtype] = count()
    claude_code_lines_added: Series[pd.Int64Dtype] = count()
    claude_code_lines_removed: Series[pd.Int64Dtype] = count()
    claude_code_tool_accepted: Series[pd.Int64Dtype] = count()
    claude_code_tool_rejected: Series[pd.Int64Dtype] = count()
    cowork_message_count: Series[pd.Int64Dtype] = count()
    cowork_session_count: Series[pd.Int64Dtype] = count()
    design_message_count: Series[pd.Int64Dtype] = count()
    design_session_count: Series[pd.Int64Dtype] = count()
    office_message_count: Series[pd.Int64Dtype] = count()
    office_session_count: Series[pd.Int64Dtype] = count()
    science_message_count: Series[pd.Int64Dtype] = count()
    science_session_count: Series[pd.Int64Dtype] = count()
    web_search_count: Series[pd.Int64Dtype] = count()
    raw_response: Series[Text]

    @row_check
    def user_is_identified(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["user_id"].notna() | frame["user_email"].notna()


class RawClaudeWebCosts(_RawTable):
    cost_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    cost_date: Series[Day]
    starting_at: Series[UtcTime] = pa.Field(nullable=True)
    ending_at: Series[UtcTime] = pa.Field(nullable=True)
    actor_type: Series[Text] = pa.Field(nullable=True)
    actor_user_id: Series[Text] = pa.Field(nullable=True)
    actor_email: Series[Text] = pa.Field(nullable=True)
    actor_name: Series[Text] = pa.Field(nullable=True)
    actor_deleted: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    platform: Series[Text] = pa.Field(isin=["claude_web", "claude_code"])
    product: Series[Text] = pa.Field(nullable=True)
    model: Series[Text] = pa.Field(nullable=True)
    cost_type: Series[Text] = pa.Field(nullable=True)
    token_type: Series[Text] = pa.Field(nullable=True)
    context_window: Series[Text] = pa.Field(nullable=True)
    inference_geo: Series[Text] = pa.Field(nullable=True)
    speed: Series[Text] = pa.Field(nullable=True)
    rbac_group_id: Series[Text] = pa.Field(nullable=True)
    amount_usd: Series[object] = money()
    list_amount_usd: Series[object] = pa.Field(nullable=True)
    currency: Series[Text] = pa.Field(isin=["USD"])
    requests: Series[pd.Int64Dtype] = count()
    raw_response: Series[Text]

    @pa.check("amount_usd")
    def amount_is_a_number(cls, series: pd.Series) -> pd.Series:
        return series.map(lambda v: v is not None and v == v and v >= 0)


class RawGeminiEvents(_RawTable):
    event_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    usage_date: Series[Day]
    actor_email: Series[Text] = pa.Field(nullable=True)
    actor_profile_id: Series[Text] = pa.Field(nullable=True)
    customer_id: Series[Text] = pa.Field(nullable=True)
    application_name: Series[Text] = pa.Field(nullable=True)
    event_type: Series[Text] = pa.Field(nullable=True)
    event_name: Series[Text] = pa.Field(isin=["feature_utilization"])
    app_name: Series[Text] = pa.Field(nullable=True)
    action: Series[Text] = pa.Field(nullable=True)
    event_count: Series[pd.Int64Dtype] = pa.Field(ge=1)
    first_event_at: Series[UtcTime] = pa.Field(nullable=True)
    last_event_at: Series[UtcTime] = pa.Field(nullable=True)
    raw_response: Series[Text]


class RawGeminiCosts(_RawTable):
    cost_id: Series[Text] = pa.Field(unique=True)
    ingest_date: Series[Day]
    fetched_at: Series[UtcTime]
    cost_date: Series[Day]
    usage_start_time: Series[UtcTime]
    usage_end_time: Series[UtcTime] = pa.Field(nullable=True)
    billing_account_id: Series[Text] = pa.Field(nullable=True)
    service_id: Series[Text] = pa.Field(nullable=True)
    service_description: Series[Text]
    sku_id: Series[Text] = pa.Field(nullable=True)
    sku_description: Series[Text] = pa.Field(nullable=True)
    project_id: Series[Text] = pa.Field(nullable=True)
    project_name: Series[Text] = pa.Field(nullable=True)
    label_user: Series[Text] = pa.Field(nullable=True)
    label_team: Series[Text] = pa.Field(nullable=True)
    labels: Series[Text]
    cost: Series[object] = money()
    credits_amount: Series[object] = money()
    net_cost: Series[object] = money()
    currency: Series[Text] = pa.Field(isin=["USD"])
    cost_type: Series[Text] = pa.Field(nullable=True)
    usage_amount: Series[float] = pa.Field(nullable=True)
    usage_unit: Series[Text] = pa.Field(nullable=True)

    @pa.check("credits_amount")
    def credits_are_not_positive(cls, series: pd.Series) -> pd.Series:
        return series.map(lambda v: v is not None and v == v and v <= 0)


class ApiKeyMappings(_RawTable):
    mapping_id: Series[Text] = pa.Field(unique=True)
    api_key_id: Series[Text] = pa.Field(nullable=True)
    api_key_name: Series[Text] = pa.Field(nullable=True)
    user_email: Series[Text] = pa.Field(str_contains="@")
    platform_code: Series[Text] = pa.Field(isin=PLATFORM_CODES)
    usage_purpose: Series[Text] = pa.Field(nullable=True, isin=["coding", "research", "analysis", "automation", "general"])
    cost_center: Series[Text] = pa.Field(nullable=True)
    is_active: Series[bool]
    confidence_score: Series[float] = pa.Field(ge=0, le=1)
    created_at: Series[UtcTime] = pa.Field(nullable=True)
    last_verified: Series[UtcTime] = pa.Field(nullable=True)
    valid_from: Series[Day] = pa.Field(nullable=True)
    valid_to: Series[Day] = pa.Field(nullable=True)


class DimUsers(_RawTable):
    user_sk: Series[Text] = pa.Field(unique=True)
    user_email: Series[Text] = pa.Field(unique=True)
    first_name: Series[Text] = pa.Field(nullable=True)
    last_name: Series[Text] = pa.Field(nullable=True)
    department: Series[Text]
    job_role: Series[Text] = pa.Field(nullable=True)
    user_type: Series[Text] = pa.Field(nullable=True, isin=["engineering", "knowledge_worker", "hybrid"])
    is_active: Series[bool]
    start_date: Series[Day] = pa.Field(nullable=True)
    end_date: Series[Day] = pa.Field(nullable=True)
    created_at: Series[UtcTime]
    updated_at: Series[UtcTime]
    is_discovered: Series[bool]
    discovered_from: Series[Text] = pa.Field(nullable=True)
    first_seen_date: Series[Day] = pa.Field(nullable=True)

    @pa.dataframe_check
    def one_unattributed_sentinel(cls, frame: pd.DataFrame) -> bool:
        return int((frame["user_sk"] == "unattributed").sum()) == 1


class Budgets(_RawTable):
    budget_category: Series[Text]
    month: Series[Text] = pa.Field(str_matches=r"^\d{4}-(0[1-9]|1[0-2])$")
    month_start: Series[Day]
    budget_usd: Series[object]

    @pa.dataframe_check
    def one_budget_per_category_and_month(cls, frame: pd.DataFrame) -> bool:
        return not frame.duplicated(["budget_category", "month"]).any()


def rate():
    return pa.Field(ge=0, nullable=True)


class FactAiUsage(_RawTable):
    event_id: Series[Text] = pa.Field(unique=True)
    user_sk: Series[Text]
    platform_sk: Series[Text] = pa.Field(isin=PLATFORM_CODES)
    usage_date: Series[Day]
    event_timestamp: Series[UtcTime]
    session_id: Series[Text] = pa.Field(nullable=True)
    api_key_id: Series[Text] = pa.Field(nullable=True)
    model_name: Series[Text] = pa.Field(nullable=True)
    session_count: Series[pd.Int64Dtype] = count()
    request_count: Series[pd.Int64Dtype] = count()
    interaction_count: Series[pd.Int64Dtype] = count()
    input_tokens: Series[pd.Int64Dtype] = count()
    output_tokens: Series[pd.Int64Dtype] = count()
    cached_input_tokens: Series[pd.Int64Dtype] = count()
    cache_read_tokens: Series[pd.Int64Dtype] = count()
    total_tokens: Series[pd.Int64Dtype] = count()
    lines_added: Series[pd.Int64Dtype] = count()
    lines_accepted: Series[pd.Int64Dtype] = count()
    suggestions_shown: Series[pd.Int64Dtype] = count()
    suggestions_accepted: Series[pd.Int64Dtype] = count()
    acceptance_rate: Series[float] = rate()
    suggestion_rate: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    session_duration_seconds: Series[pd.Int64Dtype] = count()
    active_time_seconds: Series[pd.Int64Dtype] = count()
    idle_time_seconds: Series[pd.Int64Dtype] = count()
    attribution_confidence: Series[float] = pa.Field(ge=0, le=1)
    attribution_method: Series[Text] = pa.Field(isin=["direct_email", "api_key_mapping", "inferred", "unattributed"])
    ingest_timestamp: Series[UtcTime]
    pipeline_run_id: Series[Text]
    metric_source: Series[Text] = pa.Field(
        isin=["cursor_daily_usage", "cursor_usage_events", "claude_messages_usage", "claude_code_report",
              "claude_analytics_users", "gemini_reports"]
    )
    use_case: Series[Text] = pa.Field(isin=["engineering_productivity", "knowledge_work", "api_consumption"])
    usage_purpose: Series[Text] = pa.Field(nullable=True)
    cost_center: Series[Text] = pa.Field(nullable=True)
    workspace_id: Series[Text] = pa.Field(nullable=True)
    cache_creation_tokens: Series[pd.Int64Dtype] = count()
    web_search_requests: Series[pd.Int64Dtype] = count()
    commits: Series[pd.Int64Dtype] = count()
    pull_requests: Series[pd.Int64Dtype] = count()
    lines_removed: Series[pd.Int64Dtype] = count()
    estimated_cost_usd: Series[object] = pa.Field(nullable=True)

    @row_check
    def total_is_input_plus_output(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["total_tokens"].isna() | (
            frame["total_tokens"] == frame["input_tokens"].fillna(0) + frame["output_tokens"].fillna(0)
        )

    @row_check
    def unattributed_rows_have_zero_confidence(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["user_sk"] != "unattributed") | (frame["attribution_confidence"] == 0)


def money():
    return pa.Field(nullable=True)


class FactAiCosts(_RawTable):
    cost_id: Series[Text] = pa.Field(unique=True)
    user_sk: Series[Text]
    platform_sk: Series[Text] = pa.Field(isin=PLATFORM_CODES)
    cost_date: Series[Day]
    cost_timestamp: Series[UtcTime]
    api_key_id: Series[Text] = pa.Field(nullable=True)
    billing_account_id: Series[Text] = pa.Field(nullable=True)
    base_cost_usd: Series[object] = money()
    usage_cost_usd: Series[object] = money()
    overage_cost_usd: Series[object] = money()
    total_cost_usd: Series[object]
    cost_type: Series[Text] = pa.Field(isin=["subscription", "usage", "overage", "one_time"])
    currency_code: Series[Text] = pa.Field(isin=["USD"])
    billable_units: Series[float] = pa.Field(ge=0, nullable=True)
    unit_type: Series[Text] = pa.Field(nullable=True)
    rate_per_unit: Series[float] = pa.Field(ge=0, nullable=True)
    allocated_cost_usd: Series[object]
    allocation_percentage: Series[float] = pa.Field(ge=0, le=100.000001)
    allocation_method: Series[Text] = pa.Field(isin=["direct", "usage_based", "equal_split", "unattributed"])
    allocation_confidence: Series[float] = pa.Field(ge=0, le=1)
    budget_category: Series[Text]
    budget_allocated_usd: Series[object] = money()
    is_over_budget: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    ingest_timestamp: Series[UtcTime]
    pipeline_run_id: Series[Text]
    cost_source: Series[Text] = pa.Field(isin=[
        "anthropic_cost_report", "cursor_usage_events", "cursor_seats", "claude_user_cost_report", "claude_web_seats",
        "gemini_billing_export", "gemini_seats",
    ])
    source_line_id: Series[Text]
    attribution_method: Series[Text] = pa.Field(isin=["direct_email", "api_key_mapping", "inferred", "unattributed"])
    attribution_confidence: Series[float] = pa.Field(ge=0, le=1)
    workspace_id: Series[Text] = pa.Field(nullable=True)
    model_name: Series[Text] = pa.Field(nullable=True)
    token_type: Series[Text] = pa.Field(nullable=True)
    description: Series[Text] = pa.Field(nullable=True)
    cost_center: Series[Text] = pa.Field(nullable=True)
    use_case: Series[Text] = pa.Field(isin=["engineering_productivity", "knowledge_work", "api_consumption"])

    @row_check
    def parts_add_up_to_the_allocation(cls, frame: pd.DataFrame) -> pd.Series:
        parts = [frame[c].where(frame[c].notna(), 0) for c in ("base_cost_usd", "usage_cost_usd", "overage_cost_usd")]
        return (parts[0] + parts[1] + parts[2]) == frame["allocated_cost_usd"]


class RoiAssumptions(_RawTable):
    output_measure: Series[Text] = pa.Field(
        unique=True, isin=["accepted_lines", "engineering_sessions", "interactions", "commits", "pull_requests"]
    )
    minutes_saved_per_unit: Series[float] = pa.Field(ge=0)
    assumption: Series[Text] = pa.Field(str_length={"min_value": 1})
