"""ERP sync (issue 14, spec 5.1): read a legacy ERP incrementally and UPSERT its rows into the warehouse."""
