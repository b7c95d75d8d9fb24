"""Small rubrics built in code, so that scoring tests state their numbers plainly."""

from __future__ import annotations

from typing import Any

from shopper.rubric import Rubric, parse_rubric


def rubric_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "shopper-rubric",
        "format_version": 1,
        "key": "test-tour",
        "name": "Test Tour",
        "version": 1,
        "sections": [
            {
                "key": "greeting",
                "title": "Greeting",
                "items": [
                    {"key": "prompt", "prompt": "Greeted promptly", "type": "yes_no", "points": 5},
                    {
                        "key": "rapport",
                        "prompt": "Rapport",
                        "type": "scale",
                        "max": 5,
                        "points": 10,
                    },
                    {
                        "key": "booking",
                        "prompt": "How was it booked?",
                        "type": "choice",
                        "options": [
                            {"label": "Agent offered", "points": 4},
                            {"label": "Shopper asked", "points": 1},
                        ],
                    },
                    {"key": "note", "prompt": "Competitor named", "type": "text"},
                ],
            },
            {
                "key": "follow_up",
                "title": "Follow-up",
                "deferred": True,
                "items": [
                    {"key": "called", "prompt": "Called back", "type": "yes_no", "points": 6},
                ],
            },
            {
                "key": "fair",
                "title": "Fair housing",
                "items": [
                    {
                        "key": "no_steering",
                        "prompt": "No steering",
                        "type": "yes_no",
                        "points": 0,
                        "critical": True,
                        "allow_na": False,
                    }
                ],
            },
            {
                "key": "cx",
                "title": "Customer experience",
                "in_overall": False,
                "items": [
                    {"key": "likely", "prompt": "Likely to lease", "type": "scale", "points": 4},
                ],
            },
        ],
    }
    data.update(overrides)
    return data


def make_rubric(**overrides: Any) -> Rubric:
    return parse_rubric(rubric_dict(**overrides))
