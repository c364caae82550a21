"""Chapter 0's figures: the size of the customer file, the top fifth's share of revenue, and
the compounding of ISM's claimed +10% a year (see tests/claims/__init__.py)."""
from tests.claims import Claim, shop

NOTEBOOK = "notebooks/00-what-is-crm.ipynb"


def _top20_revenue():
    s = shop()
    revenue = (s.transactions.groupby("customer")["total"].sum()
               .reindex(s.customers["customer"], fill_value=0).sort_values(ascending=False))
    top = revenue.iloc[: int(0.2 * len(revenue))]
    return {"share": top.sum() / revenue.sum()}


CLAIMS = [
    Claim("The same {n:,} cardholders come back in every chapter",
          lambda: {"n": len(shop().customers)}),
    Claim("the top 20% of cardholders bring {share:.0%} of the revenue", _top20_revenue),
    Claim("three years of +10% is +{growth:.0%}, not +30%",
          lambda: {"growth": 1.10 ** 3 - 1}),
]

EXEMPT = {
    '"80/20" principle': "the name of the Pareto rule of thumb, not a figure about our data",
    "+10%": "ISM's claimed minimum, quoted from the course Q&A",
    "**Question 12**": "a quiz question number in the course Q&A",
    "**Question 15**": "a quiz question number in the course Q&A",
    "the top 20% of": "the share of customers the Pareto cut is made at (a chosen threshold)",
    "15-question quiz": "the number of questions in the course Q&A's quiz",
    "(the 51% / 20% / 21% figures)": "*Managing Customer Relationships*'s quoted survey figures, shown with their source",
    "73(6), 88–99": "citation (volume, issue, pages)",
    "68(5), 105–111": "citation (volume, issue, pages)",
    "15(5), 5–15": "citation (volume, issue, pages)",
    "22(2), 99–113": "citation (volume, issue, pages)",
    "boost profits by almost 100% by retaining just 5% more": "Reichheld & Sasser (1990), quoted",
    "+25% to +85%": "Reichheld & Sasser (1990), published figures",
}
