"""Simulated trading partners behind Cleo: they read the customer's 850s with pyx12 and answer 997, 855, 856, 810.

They share no code with `edi_assets`, nor with the Cleo simulator: they reach Cleo's folders through the
`Mailboxes` protocol, which the Cleo backend implements in-process.
"""

from simulators.partners.config import Behaviour, NetworkConfig, PartnerConfig
from simulators.partners.network import Mailboxes, PartnerNetwork, UnknownPartnerError
from simulators.partners.partner import SentFile
from simulators.partners.routes import partner_routes

__all__ = [
    "Behaviour",
    "Mailboxes",
    "NetworkConfig",
    "PartnerConfig",
    "PartnerNetwork",
    "SentFile",
    "UnknownPartnerError",
    "partner_routes",
]
