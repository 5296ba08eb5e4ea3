"""The private Textual API behind ``withdraw``: fails when Textual changes it."""

from __future__ import annotations

import inspect

from textual.app import App
from textual.notifications import Notification, Notifications, Notify
from textual.widgets._toast import Toast

from lobstr_tui.ui.kit.toast_withdraw import withdraw


def test_textual_still_keeps_notifications_and_unnotify_as_withdraw_uses_them() -> None:
    assert isinstance(App()._notifications, Notifications)
    assert list(inspect.signature(App._unnotify).parameters) == ["self", "notification",
                                                                  "refresh"]


async def test_withdraw_takes_a_shown_toast_off_and_a_queued_one_never_shows() -> None:
    app: App[None] = App()
    async with app.run_test(notifications=True) as pilot:
        shown = Notification("shown-toast", timeout=60)
        app.post_message(Notify(shown))
        for _ in range(100):
            if app.screen.query(Toast):
                break
            await pilot.pause(0.05)
        assert len(app.screen.query(Toast)) == 1
        withdraw(app, shown)
        queued = Notification("queued-toast", timeout=60)
        app.post_message(Notify(queued))
        withdraw(app, queued)
        for _ in range(100):
            if not app.screen.query(Toast):
                break
            await pilot.pause(0.05)
        await pilot.pause()  # the queued one's message handled
        assert not app.screen.query(Toast)
        assert shown not in app._notifications
