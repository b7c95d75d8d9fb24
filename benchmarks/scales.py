"""How much demo data each scale holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# A fixed last visit date keeps the generated data identical from day to day.
END_DATE = dt.date(2026, 10, 31)


@dataclass(frozen=True)
class Scale:
    name: str
    properties: int
    agents: int
    evaluations: int
    repeat: int
    seed: int = 1

    def demo_args(self) -> list[str]:
        return [
            "demo-data",
            "--properties",
            str(self.properties),
            "--agents",
            str(self.agents),
            "--evaluations",
            str(self.evaluations),
            "--seed",
            str(self.seed),
            "--end-date",
            END_DATE.isoformat(),
        ]


SCALES = {
    "large": Scale("large", properties=200, agents=2000, evaluations=100_000, repeat=3),
    "small": Scale("small", properties=20, agents=200, evaluations=10_000, repeat=3),
    # For the test suite: tiny data, one run each, so the benchmarks never rot.
    "smoke": Scale("smoke", properties=3, agents=12, evaluations=120, repeat=1),
    # A million shops on PostgreSQL only (issue 18): the shared database of a large program.
    "xl": Scale("xl", properties=1000, agents=20_000, evaluations=1_000_000, repeat=3),
    # The package imported into the xl database: other properties, agents and shops.
    "package": Scale("package", properties=200, agents=2000, evaluations=100_000, repeat=1, seed=2),
    # The xl jobs on tiny data (the smoke test of `--scale xl`).
    "xl-smoke": Scale("xl-smoke", properties=3, agents=12, evaluations=120, repeat=1),
    "pkgsmoke": Scale("pkgsmoke", properties=2, agents=4, evaluations=40, repeat=1, seed=2),
}
POSTGRESQL_ONLY = {"xl", "xl-smoke"}
