"""The planner: one planning cycle, generate -> track -> check -> score -> select.

The work happens in C++ (``trajcore::Planner``, trajcore/planner.hpp), which keeps its buffers
between cycles; ``plan`` returns numpy copies of its result. docs/planner.md describes the cycle,
the deadline and the reasons.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import _core
from ._repr import value_summary
from .generators import Candidates, IdmParams
from .reference_line import ReferenceLine
from .road_map import RoadMap
from .scoring import ScoreResult, ScoringProfile
from .track import TrackerParams
from .vehicle import VehicleParams


@dataclass(frozen=True)
class LatticeSettings:
    """The Frenet lattice the planner generates: every offset x speed x duration."""

    lateral_offsets: Sequence[float] = (-3.5, -1.75, 0.0, 1.75, 3.5)
    target_speeds: Sequence[float] = (0.0, 2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 17.5)
    durations: Sequence[float] = (2.0, 3.0, 4.0, 5.0)
    #: Each cycle also targets these fractions (> 0) of the speed limit of the lane the ego is
    #: in, where the map gives one and no target speed lies within 0.1 m/s of it (each goes in
    #: before the first larger target speed).
    speed_limit_fractions: Sequence[float] = ()
    #: m/s^2 (> 0): a speed-up whose quartic would accelerate harder takes longer
    #: (:func:`trajcore.frenet_lattice`); infinity: no bound.
    comfortable_acceleration: float = math.inf


@dataclass(frozen=True)
class PlanScene:
    """One scene as the vehicle sees it (no scene dimension): the ego state (6,), agents
    (M, K, T+1, 3) over the planner's horizon, their extents (M, 2) and types (M,) int32, the
    map, the route's lanes (None: every lane), the reference line the lattice follows and
    progress is measured along, and optionally the last cycle's plan."""

    ego_state: Any
    agents: Any
    agent_extent: Any
    agent_type: Any
    road_map: RoadMap
    reference_line: ReferenceLine
    agent_prob: Any = None
    agent_valid: Any = None
    ignored: Any = None
    route_lanes: Sequence[int] | None = None
    #: (T+1, 6) the trajectory chosen ``previous_shift`` steps ago: the profile's extended comfort
    #: (``weight_extended_comfort``) scores the candidates' consistency with it.
    previous: Any = None
    previous_shift: int = 1
    #: (R,) int32 the lanes whose traffic light is red now (held over the horizon): the profile's
    #: traffic-light gate fails candidates that enter one (lanes the ego's box already touches are
    #: exempt: it clears them), and the lattice adds the maneuver duration that stops the ego
    #: ``stop_gap`` metres before the first one on its reference line. None: no lights.
    red_lanes: Any = None


class PlanReason(enum.IntEnum):
    """Why each candidate was not chosen: the first sub-score that held it back."""

    CHOSEN = 0
    COLLISION = 1
    OFF_ROAD = 2
    WRONG_WAY = 3
    TIME_TO_COLLISION = 4
    UNCOMFORTABLE = 5
    LOWER_SCORE = 6
    NOT_SCORED = 7
    RED_LIGHT = 8
    NO_PROGRESS = 9
    SPEEDING = 10
    OFF_LANE_CENTRE = 11
    INCONSISTENT = 12
    #: Closes to a gap it could not stop in (:func:`trajcore.safe_distance`).
    UNSAFE_DISTANCE = 13

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class PlanTimings:
    generate_ms: float
    score_ms: float
    select_ms: float
    total_ms: float


@dataclass(frozen=True)
class PlanResult:
    #: Index of the chosen candidate.
    chosen: int
    #: (T+1, 6) its states, or the emergency stop (``emergency_brake``).
    trajectory: Any
    #: Whether the deadline stopped scoring early (then only ``scored`` candidates competed).
    deadline_reached: bool
    #: No candidate scored above 0: ``chosen`` is the least bad one (the latest first at-fault
    #: collision, then the best gate sub-scores, the smallest lateral offset, the firmest
    #: braking); docs/planner.md, "Select".
    fallback: bool
    scored: int
    candidates: Candidates
    scores: ScoreResult
    #: (N,) int32 :class:`PlanReason` of every candidate.
    reasons: Any
    timings: PlanTimings
    #: The emergency brake fired (:class:`EmergencyBrake`): ``trajectory`` is a stop, not the
    #: chosen candidate, and ``emergency_reason`` says why that candidate could not be driven.
    emergency_brake: bool = False
    emergency_reason: PlanReason = PlanReason.CHOSEN

    def reason_counts(self) -> dict[PlanReason, int]:
        """How many candidates each :class:`PlanReason` held back (CHOSEN: the one chosen)."""
        codes, counts = np.unique(np.asarray(self.reasons), return_counts=True)
        return {PlanReason(int(c)): int(n) for c, n in zip(codes, counts)}

    def __repr__(self) -> str:
        reasons = ", ".join(f"{r.name}: {n}" for r, n in self.reason_counts().items())
        brake = f", emergency_brake ({self.emergency_reason.name})" if self.emergency_brake else ""
        return (
            f"PlanResult(chosen={self.chosen} of {len(np.asarray(self.reasons))} candidates, "
            f"score {float(np.asarray(self.scores.total).reshape(-1)[self.chosen]):.3f}, "
            f"trajectory={value_summary(self.trajectory)}, fallback={self.fallback}{brake}, "
            f"deadline_reached={self.deadline_reached}, reasons {{{reasons}}}, "
            f"{self.timings.total_ms:.2f} ms)"
        )


@dataclass(frozen=True)
class EmergencyBrake:
    """PDM-Closed's emergency brake (the C++ EmergencyBrake; docs/planner.md, "Emergency
    brake"). When it fires the plan is a stop: the vehicle rolled out from the ego state with the
    acceleration going, jerk-limited, to ``-deceleration`` and held to a standstill. It fires when
    no candidate passes the gates and the least bad one is held back by a collision or an unsafe
    distance, or, as PDM-Closed, when the chosen candidate's first at-fault collision is within
    ``time_to_infraction`` seconds while the ego is no faster than ``max_speed`` and its at-fault
    probability (1 - no_collision) is at least ``min_probability``."""

    enabled: bool = False
    #: Also fire when no candidate passes the gates (this planner's trigger; PDM-Closed has only
    #: the time-to-infraction one).
    on_fallback: bool = True
    #: m/s^2 (PDM-Closed: 4.05; at most the vehicle's max_deceleration is used).
    deceleration: float = 4.05
    #: Seconds (PDM-Closed: 2).
    time_to_infraction: float = 2.0
    #: m/s (PDM-Closed: 5).
    max_speed: float = 5.0
    #: The time-to-infraction trigger's least at-fault probability, in [0, 1] (PDM-Closed's
    #: scores are 0 or 1; over weighted modes, one the predictor all but rules out does not
    #: brake; docs/planner.md gives the measured choice).
    min_probability: float = 0.05


@dataclass(frozen=True)
class PdmSettings:
    """PDM-Closed's proposals (the C++ PdmSettings), for ``Planner(generator="pdm_proposals")``:
    the reference line shifted by each offset, each followed at IDM speeds towards each fraction
    of the speed limit of the lane the ego is in (``fallback_speed_limit`` where the map has
    none), behind the nearest agent ahead (each agent's most probable mode)."""

    offsets: tuple[float, ...] = (-1.0, 0.0, 1.0)
    speed_fractions: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)
    fallback_speed_limit: float = 15.0
    idm: IdmParams = field(default_factory=IdmParams)


class Planner:
    """A planning loop's state: configuration and the C++ planner with its reused buffers.

    Threads: one Planner may be shared by several threads; their ``plan`` calls run one at a
    time (a lock; the GIL is free while waiting and planning). Separate Planners plan in
    parallel. Results are identical either way (tests/test_concurrency.py).

    Args:
        vehicle: the ego (default: ``VehicleParams.passenger_car()``).
        profile: a scoring profile name or :class:`ScoringProfile`; ``profile_overrides``
            replace its fields.
        lattice: the candidates to generate (default :class:`LatticeSettings`).
        tracker: how candidates are tracked (default: nuPlan's LQR).
        steps, dt: horizon (T) and step length (s).
        chunk: candidates scored between deadline checks.
        generator: "frenet_lattice" (``lattice``) or "pdm_proposals" (PDM-Closed's centreline x
            IDM proposals, ``pdm``).
        emergency: the emergency brake (default: off; ``replay_planner`` switches it on).
        stop_gap: metres between the ego's front and a red lane where it stops for it.
        comfortable_first: select among the candidates that keep the profile's comfort bounds
            and pass the gates where there is one, the best overall otherwise (off: the best
            overall, as PDM-Closed; ``replay_planner`` switches it on).
    """

    def __init__(
        self,
        vehicle: VehicleParams | None = None,
        profile: str | ScoringProfile = "pdm_closed",
        lattice: LatticeSettings | None = None,
        tracker: TrackerParams | None = None,
        *,
        steps: int = 40,
        dt: float = 0.1,
        chunk: int = 256,
        generator: Literal["frenet_lattice", "pdm_proposals"] = "frenet_lattice",
        pdm: PdmSettings | None = None,
        emergency: EmergencyBrake | None = None,
        stop_gap: float = 2.0,
        comfortable_first: bool = False,
        **profile_overrides: Any,
    ) -> None:
        chosen = ScoringProfile.named(profile) if isinstance(profile, str) else profile
        if profile_overrides:
            chosen = dataclasses.replace(chosen, **profile_overrides)
        self.vehicle = vehicle or VehicleParams.passenger_car()
        self.profile = chosen
        self.lattice = lattice or LatticeSettings()
        self.tracker = tracker or TrackerParams()
        self.steps, self.dt = int(steps), float(dt)
        self.emergency = emergency or EmergencyBrake()
        self.generator = generator
        self.pdm = pdm or PdmSettings()
        self._planner = _core._Planner(
            self.vehicle,
            self.tracker,
            chosen,
            [float(v) for v in self.lattice.lateral_offsets],
            [float(v) for v in self.lattice.target_speeds],
            [float(v) for v in self.lattice.durations],
            [float(v) for v in self.lattice.speed_limit_fractions],
            float(self.lattice.comfortable_acceleration),
            self.steps,
            self.dt,
            int(chunk),
            generator,
            self.pdm,
            self.emergency,
            float(stop_gap),
            bool(comfortable_first),
        )
        self.stop_gap = float(stop_gap)
        self.comfortable_first = bool(comfortable_first)
        self.chunk = int(chunk)

    def with_vehicle(self, vehicle: VehicleParams) -> Planner:
        """The same planner for another vehicle (replay plans with the ego's logged size)."""
        return Planner(
            vehicle,
            self.profile,
            self.lattice,
            self.tracker,
            steps=self.steps,
            dt=self.dt,
            chunk=self.chunk,
            generator=self.generator,
            pdm=self.pdm,
            emergency=self.emergency,
            stop_gap=self.stop_gap,
            comfortable_first=self.comfortable_first,
        )

    @property
    def candidate_count(self) -> int:
        """N of the configuration; a cycle adds offsets x speeds x durations for the target
        speeds from the lane's speed limit (``lattice.speed_limit_fractions``) and offsets x
        speeds for a red-light stop (its duration)."""
        return int(self._planner.candidate_count)

    @property
    def max_candidate_count(self) -> int:
        """The most candidates a cycle can have (both additions)."""
        return int(self._planner.max_candidate_count)

    def plan(self, scene: PlanScene, deadline_ms: float | None = None) -> PlanResult:
        """One planning cycle; ``deadline_ms`` bounds the time spent scoring (best so far)."""
        route = None if scene.route_lanes is None else np.asarray(scene.route_lanes, np.int32)
        d = self._planner.plan(
            scene.ego_state,
            scene.agents,
            scene.agent_extent,
            scene.agent_type,
            scene.agent_prob,
            scene.agent_valid,
            scene.ignored,
            route,
            scene.previous,
            int(scene.previous_shift),
            None if scene.red_lanes is None else np.asarray(scene.red_lanes, np.int32),
            scene.road_map._map,
            scene.reference_line._line,
            math.inf if deadline_ms is None else float(deadline_ms),
        )
        candidates = Candidates(**d["candidates"])
        return PlanResult(
            chosen=int(d["chosen"]),
            trajectory=d["trajectory"],
            deadline_reached=bool(d["deadline_reached"]),
            fallback=bool(d["fallback"]),
            scored=int(d["scored"]),
            candidates=candidates,
            scores=ScoreResult(**d["scores"]),
            reasons=d["reasons"],
            timings=PlanTimings(**d["timings"]),
            emergency_brake=bool(d["emergency_brake"]),
            emergency_reason=PlanReason(int(d["emergency_reason"])),
        )
