"""Reference solutions for the engine test bank (tests/banks/99-test.toml)."""


def n_customers(retailer):
    return len(retailer.customers)


def n_customers_plus_one(retailer):
    return len(retailer.customers) + 1
