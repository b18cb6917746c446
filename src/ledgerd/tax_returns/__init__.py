"""VAT returns (draft, filed, HMRC obligations) and UK income tax settings."""
