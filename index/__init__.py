"""Reading, cleaning and indexing articles: depends on core/ only."""
