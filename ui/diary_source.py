"""The freelancer's own diary as day-grid cells: the segments in the device's database, with
their activity, screenshots and where each stands with the marketplace."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from diary.records import SegmentState
from diary.times import slot_start
from sync.segment_marks import SyncMark, linked, sync_marks
from tracker.day_grid import day_slots
from tracker.store import Store
from tracker.views import SegmentView, segment_activity
from tracker.zones import Zone

from .cell_content import Badge, CellContent
from .diary_cells import STATE_LOOK, SYNC_BADGES, bar_states, sync_badge


class DiarySource:
    """The device's diary, one contract's or all of them (``contract``: an id, or None)."""

    def __init__(self, store: Store, data_dir: Path) -> None:
        self._store = store
        self._data_dir = data_dir
        self.contract: int | None = None
        #: The client's disputes of the segments last shown, by segment id.
        self.disputes: dict[str, str] = {}

    def legend_badges(self) -> tuple[Badge, ...]:
        """The sync signs, when the device is signed in to a marketplace."""
        return SYNC_BADGES if linked(self._store) else ()

    def day_cells(self, zone: Zone, day: date) -> list[CellContent]:
        first, end = day_slots(zone, day)
        views = self._store.views(self._store.segments_between(first, end, self.contract))
        marks = sync_marks(self._store, [v.segment for v in views])
        self.disputes = {i: m.dispute for i, m in marks.items() if m.dispute}
        contracts = {c.id: c for c in self._store.contracts()}
        labels = {i: f"{c.title} — {c.client}" for i, c in contracts.items()}
        # Names in each cell only when the diary shows every contract.
        names = {i: c.title for i, c in contracts.items()} if self.contract is None else {}
        return [self._cell(v, zone, names, labels, marks.get(v.segment.id)) for v in views]

    def _cell(
        self,
        view: SegmentView,
        zone: Zone,
        names: dict[int, str],
        labels: dict[int, str],
        mark: SyncMark | None,
    ) -> CellContent:
        segment = view.segment
        shot = next((s for s in view.screenshots if s.thumb_path), None)
        full = next((s for s in view.screenshots if s.path), None)
        missing = next((s.missing_reason for s in view.screenshots if s.missing_reason), "")
        contract = segment.contract_id
        return CellContent(
            key=segment.id,
            subject=view,
            start=segment.start,
            end=segment.end,
            state=view.state,
            memo=view.memo,
            minute_states=bar_states(
                slot_start(segment.start),
                ((m.start, m.active) for m in view.minutes if not view.is_discarded(m.start)),
            )
            if view.minutes
            else (),
            bars_tooltip=minutes_tooltip(view, zone) if view.minutes else "",
            thumbnail=None
            if shot is None or not shot.thumb_path
            else self._data_dir / shot.thumb_path,
            picture=None if full is None or not full.path else self._data_dir / full.path,
            picture_taken=None if full is None else full.taken_at,
            placeholder="Deleted" if view.state is SegmentState.DELETED else "No screenshot",
            thumbnail_tooltip=missing,
            contract=names.get(contract, f"Contract {contract}") if names else "",
            badges=() if mark is None else (sync_badge(mark.state, mark.text),),
            details=_describe(view, zone, labels.get(contract, f"Contract {contract}")),
        )


def minutes_tooltip(view: SegmentView, zone: Zone) -> str:
    lines = [segment_activity(view)]
    for m in view.minutes:
        lines.append(
            f"{zone.wall(m.start):%H:%M}  keys {m.keys}, clicks {m.clicks}, scrolls {m.scrolls}, "
            f"moves {m.moves}"
            + (f", injected {m.injected}" if m.injected else "")
            + (" (discarded)" if view.is_discarded(m.start) else "")
        )
    return "\n".join(lines)


def _describe(view: SegmentView, zone: Zone, contract: str) -> str:
    """The segment in full: its time, contract, state, activity, memo."""
    start = zone.wall(view.segment.start)
    end = "now" if view.segment.end is None else f"{zone.wall(view.segment.end):%H:%M}"
    facts = [f"{start:%H:%M}–{end} {start.tzname()}", contract, STATE_LOOK[view.state][2]]
    facts.append(segment_activity(view))
    return " · ".join(facts) + f"\nMemo: {view.memo}"
