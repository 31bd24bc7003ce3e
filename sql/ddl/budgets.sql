-- budgets: monthly AI budget per budget category (department), from the sheet's budgets tab.
CREATE TABLE IF NOT EXISTS budgets (
  budget_category STRING NOT NULL OPTIONS (description = "A department"),
  month STRING NOT NULL OPTIONS (description = "YYYY-MM"),
  month_start DATE NOT NULL,
  budget_usd NUMERIC(38, 9) NOT NULL
)
OPTIONS (description = "Monthly budgets per department");
