"""The command palette (ctrl+p): every main-screen action by its title."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.bindings import ACTIONS, ActionSpec


class StepscopeCommands(Provider):
    """Offers each action of `tui.bindings.ACTIONS`, e.g. "step: go to…", "view: state"."""

    def _run(self, action: str) -> None:
        # `self.screen` is the screen the palette was opened from (the main screen).
        self.app.call_later(self.app.run_action, action, self.screen)

    def _actions(self) -> tuple[ActionSpec, ...]:
        """The actions of the screen the palette was opened from (the debug screen has
        more)."""
        return getattr(self.screen, "ACTIONS", ACTIONS)

    async def discover(self) -> Hits:
        for spec in self._actions():
            yield DiscoveryHit(spec.title, partial(self._run, spec.action), help=spec.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for spec in self._actions():
            score = matcher.match(spec.title)
            if score > 0:
                yield Hit(score, matcher.highlight(spec.title),
                          partial(self._run, spec.action), text=spec.title, help=spec.help)
