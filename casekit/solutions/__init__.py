"""Reference solutions of the computed exercises: one module per chapter, f(retailer) -> answer."""
