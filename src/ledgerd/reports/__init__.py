"""Financial reports beyond Sage's API: profit and loss, balance sheet, aged debtors and creditors."""
