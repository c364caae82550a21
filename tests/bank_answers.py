"""The answer functions of the engine's test bank (``tests/banks/99-test.toml``): what its
computed exercises name as ``solution``."""


def n_customers(retailer):
    return len(retailer.customers)


def n_customers_plus_one(retailer):
    return len(retailer.customers) + 1
