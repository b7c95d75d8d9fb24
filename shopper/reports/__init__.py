"""PDF scorecards and shop reports (ReportLab, no Qt). Everything is drawn from plain data
objects built by `shopper.services.aggregates`, never from ORM rows."""
