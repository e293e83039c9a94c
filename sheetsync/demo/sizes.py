"""How big a generated network is: NetworkSize, the demo's size and the benchmarks' S, M, L."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NetworkSize:
    """How many people and form responses a generated network has."""

    name: str
    requesters: int  # people who ask for help
    volunteers: int  # people who offer help
    requests: int  # responses to the Request help form
    offers: int  # responses to the Offer help form
    checkins: int  # responses to the Weekly check-in form
    both: int = 0  # people counted in requesters and in volunteers

    @property
    def people(self) -> int:
        """Distinct people in the network."""
        return self.requesters + self.volunteers - self.both

    @property
    def responses(self) -> int:
        """Form responses in all."""
        return self.requests + self.offers + self.checkins


DEMO = NetworkSize(
    "demo", requesters=24, volunteers=22, both=6, requests=48, offers=24, checkins=48
)
SIZES: dict[str, NetworkSize] = {
    "S": NetworkSize(
        "S", requesters=16, volunteers=18, both=4, requests=30, offers=20, checkins=40
    ),
    "M": NetworkSize(
        "M", requesters=1_200, volunteers=300, both=60, requests=2_000, offers=330, checkins=900
    ),
    "L": NetworkSize(
        "L",
        requesters=90_000,
        volunteers=20_000,
        both=2_000,
        requests=100_000,
        offers=22_000,
        checkins=60_000,
    ),
}
