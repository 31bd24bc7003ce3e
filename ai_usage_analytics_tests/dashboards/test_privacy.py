import pandas as pd

from ai_usage_analytics.dashboards.privacy import other_label, plan, protect


def frame(groups: dict[str, int]) -> pd.DataFrame:
    rows = [{"department": d, "user_sk": f"{d}{i}", "usd": 1.0} for d, n in groups.items() for i in range(n)]
    return pd.DataFrame(rows + [{"department": "unattributed", "user_sk": "unattributed", "usd": 7.0}])


def test_small_groups_fold_into_other_when_other_is_big_enough():
    out, suppression = protect(frame({"Eng": 6, "Legal": 2, "HR": 3}), ["department"], "user_sk", 5)
    assert out.groupby("department")["usd"].sum().to_dict() == {"Eng": 6.0, other_label(5): 5.0, "unattributed": 7.0}
    assert suppression.folded == ("HR", "Legal") and suppression.dropped == ()
    assert "combined" in suppression.message("departments")


def test_small_groups_are_dropped_when_even_combined_they_are_too_small():
    out, suppression = protect(frame({"Eng": 6, "Legal": 2, "HR": 1}), ["department"], "user_sk", 5)
    assert set(out["department"]) == {"Eng", "unattributed"}
    assert suppression.dropped == ("HR", "Legal")
    assert "hidden entirely" in suppression.message("departments")


def test_nothing_small_means_no_message_and_the_sentinel_is_never_a_small_group():
    out, suppression = protect(frame({"Eng": 5}), ["department"], "user_sk", 5)
    assert len(out) == 6 and suppression.message("departments") is None


def test_a_plan_from_one_frame_applies_to_another_with_a_renamed_department_column():
    chosen = plan(frame({"Eng": 6, "Legal": 2, "HR": 3}), ["department"], "user_sk", 5)
    budgets = pd.DataFrame({"budget_category": ["Eng", "Legal", "HR", "Finance"], "usd": [1, 2, 3, 4]})
    out = chosen.apply(budgets, department="budget_category")
    assert out["budget_category"].tolist() == ["Eng", other_label(5), other_label(5), "Finance"]


def test_per_tool_groups_fold_per_tool():
    rows = frame({"Eng": 6, "Legal": 2}).assign(tool="Cursor")
    rows = pd.concat([rows, pd.DataFrame([{"department": "Eng", "user_sk": "Eng0", "usd": 1.0, "tool": "Gemini"}])])
    out, suppression = protect(rows, ["department", "tool"], "user_sk", 5)
    assert suppression.dropped == ("Eng × Gemini", "Legal × Cursor")
    assert set(zip(out["department"], out["tool"])) == {("Eng", "Cursor"), ("unattributed", "Cursor")}
