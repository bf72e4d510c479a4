"""Bundled simulators of Cleo, the five ERPs, the QuickBooks Web Connector and the trading partners.

They share no code with `edi_assets`: each is a second, independent reading of
`specs/external-apis.md`, so a misunderstanding cannot hide on both sides at once.
"""
