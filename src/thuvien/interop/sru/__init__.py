"""SRU 1.2 and 2.0 (explain, searchRetrieve, scan) over the catalogue search, with CQL."""
