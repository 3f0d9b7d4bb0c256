"""X11: input counts through pynput, idle time from MIT-SCREEN-SAVER, screen grabs through mss."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from ..activity import ActivityCounter
from ..errors import SessionUnsupported
from . import Frame, Platform, ScreenUnavailable

LISTENER_READY_SECONDS = 5.0
#: After an event, a listener thread pauses this long at most once per BATCH_PERIOD_SECONDS, so
#: that events queued meanwhile are read in one go: every wake-up of pynput's X record thread
#: costs about 0.3 ms of CPU, far more than handling one more event (see docs/performance.md).
BATCH_PAUSE_SECONDS = 0.2
BATCH_PERIOD_SECONDS = 0.25
log = logging.getLogger(__name__)


def platform(display_name: str) -> Platform:
    """The X11 parts, which connect to the X server when tracking first needs them."""
    connection = Connection(display_name)
    return Platform(
        "x11", PynputInput(connection), ScreenSaverIdle(connection), MssScreen(connection)
    )


class Connection:
    """One X connection for idle time and the pointer, opened when first needed.

    python-xlib and the connection cost about 8 MB, which an app that is not tracking (say,
    open to review the week) does without. Input listening opens it first, so a display that
    is not there is reported when tracking starts, plainly.
    """

    def __init__(self, display_name: str) -> None:
        self._name = display_name
        self._display: Any = None

    def display(self) -> Any:
        if self._display is None:
            try:
                import Xlib.display
                import Xlib.error
            except ImportError as error:  # pragma: no cover - python-xlib comes with pynput
                raise SessionUnsupported(
                    f"python-xlib is missing ({error}); reinstall Workdiary."
                ) from error
            try:
                self._display = Xlib.display.Display(self._name)
            except (Xlib.error.DisplayError, OSError) as error:
                raise SessionUnsupported(
                    f"Cannot connect to the X display {self._name!r} ({error}). "
                    "Check that your desktop session is running and DISPLAY is right."
                ) from error
        return self._display


def screen_size(display_name: str) -> tuple[int, int]:
    """The size of the X display's screen, all monitors together (what a screenshot of "all"
    covers); SessionUnsupported when the display cannot be reached."""
    display = Connection(display_name).display()
    try:
        screen = display.screen()
        return int(screen.width_in_pixels), int(screen.height_in_pixels)
    finally:
        display.close()


class SyntheticInput:
    """Input made through the X server's XTEST extension, as xdotool makes it: it reaches the
    listeners as a person's would (pynput's own controllers are not used: they send some keys
    with XSendEvent and tell listeners in their process of every key directly, as injected).
    For the self-test, which checks that it is counted exactly: it taps Shift and moves the
    pointer by a pixel, which do nothing in a window."""

    def __init__(self, display_name: str) -> None:
        self._display = Connection(display_name).display()
        import Xlib.XK

        self._shift = self._display.keysym_to_keycode(Xlib.XK.XK_Shift_L)

    def tap_shift(self) -> None:
        from Xlib import X
        from Xlib.ext import xtest

        xtest.fake_input(self._display, X.KeyPress, self._shift)
        xtest.fake_input(self._display, X.KeyRelease, self._shift)
        self._display.sync()

    def pointer(self) -> tuple[int, int]:
        found = self._display.screen().root.query_pointer()
        return int(found.root_x), int(found.root_y)

    def move_to(self, x: int, y: int) -> None:
        from Xlib import X
        from Xlib.ext import xtest

        xtest.fake_input(self._display, X.MotionNotify, x=x, y=y)
        self._display.sync()

    def close(self) -> None:
        self._display.close()


class PynputInput:
    """Keyboard and mouse listeners whose callbacks only bump the counter.

    The engine starts them when tracking starts and stops them when it stops: no input is
    listened to while the timer is not running."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._listeners: list[Any] = []
        self._failures: dict[int, str] = {}
        self._stopping = False

    def start(self, counter: ActivityCounter) -> None:
        self.stop()  # never two sets of listeners
        self._connection.display()  # no X server: say so plainly, before pynput cannot import
        self._stopping = False
        try:
            from pynput import keyboard, mouse
        except ImportError as error:
            raise SessionUnsupported(f"Input cannot be counted here: {error}.") from error

        keys, pointer = Batcher(), Batcher()

        def on_press(_key: object, injected: bool = False) -> None:
            counter.key_pressed(injected)
            keys.after_event()

        def on_release(_key: object, _injected: bool = False) -> None:
            keys.after_event()

        def on_click(
            _x: int, _y: int, _button: object, pressed: bool, injected: bool = False
        ) -> None:
            if pressed:
                counter.clicked(injected)
            pointer.after_event()

        def on_scroll(_x: int, _y: int, dx: int, dy: int, injected: bool = False) -> None:
            counter.scrolled(abs(dx) + abs(dy) or 1, injected)
            pointer.after_event()

        def on_move(_x: int, _y: int, injected: bool = False) -> None:
            counter.moved(injected)
            pointer.after_event()

        self._listeners = [
            keyboard.Listener(on_press=on_press, on_release=on_release),
            mouse.Listener(on_click=on_click, on_scroll=on_scroll, on_move=on_move),
        ]
        self._failures.clear()
        for listener in self._listeners:
            self._guard(listener)
            listener.start()
        for listener in self._listeners:
            _wait_ready(listener)

    def _guard(self, listener: Any) -> None:
        """Keep a listener thread's fatal error (e.g. the X server went away) as its reason."""
        run = listener.run

        def guarded_run() -> None:
            try:
                run()
            except Exception as error:
                self._failures[id(listener)] = f"{type(error).__name__}: {error}"
                log.warning("input listener stopped: %s", error)

        listener.run = guarded_run

    def settle(self) -> None:
        # Events that arrived during a batching pause are delivered when it ends.
        time.sleep(BATCH_PERIOD_SECONDS + 0.05)

    def stop(self) -> None:
        self._stopping = True
        for listener in self._listeners:
            try:
                listener.stop()
            except Exception:
                log.info("stopping an input listener failed", exc_info=True)
        self._listeners = []

    def listening(self) -> bool:
        """Whether input is being counted. After stop() pynput's threads linger until the next
        input event, which they do not count: its X listener cannot interrupt its own wait."""
        return any(listener.running for listener in self._listeners)

    def problem(self) -> str | None:
        if self._stopping:
            return None
        for listener in self._listeners:
            if not listener.is_alive():
                reason = self._failures.get(id(listener)) or _listener_error(listener)
                return f"the input listener stopped ({reason})"
        return None


class Batcher:
    """Lets one listener thread pause briefly after an event, at most once per period.

    Nothing is lost or reordered: events that arrive during the pause wait in the X
    connection and are delivered together afterwards. Only the listener's own thread pauses,
    and it holds no lock while it does.
    """

    def __init__(
        self, pause: float = BATCH_PAUSE_SECONDS, period: float = BATCH_PERIOD_SECONDS
    ) -> None:
        self._pause, self._period = pause, period
        self._next = 0.0

    def after_event(self) -> None:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self._period
            time.sleep(self._pause)


def _wait_ready(listener: Any) -> None:
    # pynput's Listener.wait() has no timeout and blocks forever if the listener thread dies
    # before it is ready (for example when the X server goes away), so poll its flag instead.
    deadline = time.monotonic() + LISTENER_READY_SECONDS
    ready = threading.Event()
    while time.monotonic() < deadline:
        if getattr(listener, "_ready", True):
            return
        if not listener.is_alive():
            break
        ready.wait(0.01)
    raise SessionUnsupported(
        f"The input listener could not start ({_listener_error(listener)}). "
        "Activity cannot be counted in this session."
    )


def _listener_error(listener: Any) -> str:
    try:
        listener.join(0)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return "no reason given"


class ScreenSaverIdle:
    """Milliseconds since the last input, from the X server's MIT-SCREEN-SAVER extension."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._available: bool | None = None  # not known until first asked

    def seconds_idle(self) -> float | None:
        if self._available is False:
            return None
        try:
            display = self._connection.display()
            if self._available is None:
                self._available = bool(display.has_extension("MIT-SCREEN-SAVER"))
                if not self._available:
                    return None
            info = display.screen().root.screensaver_query_info()
        except Exception:
            log.warning("X idle time is no longer available", exc_info=True)
            self._available = False
            return None
        return float(info.idle) / 1000.0


class MssScreen:
    """Screen grabs through mss.

    Each grab opens and closes its own mss object: one shot every few minutes does not justify
    keeping mss's shared-memory buffer (8 MB for one full-HD screen) mapped all day, and an
    object made in the grabbing thread suits mss, whose X connection belongs to one thread.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def grab(self, monitors: str) -> Frame:
        try:
            import mss

            with mss.MSS() as grabber:
                screens = grabber.monitors
                target = screens[0] if monitors == "all" else self._monitor_under_pointer(screens)
                shot = grabber.grab(target)
                count = len(screens) - 1 if monitors == "all" else 1
            # shot.raw is already a copy out of the shared memory: no second copy is made.
            return Frame(shot.width, shot.height, shot.raw, max(1, count))
        except Exception as error:  # mss and Xlib raise several types; all mean "no shot"
            raise ScreenUnavailable(f"the screen could not be captured ({error})") from error

    def _monitor_under_pointer(self, screens: list[dict[str, int]]) -> dict[str, int]:
        pointer = self._connection.display().screen().root.query_pointer()
        x, y = pointer.root_x, pointer.root_y
        for screen in screens[1:]:
            if screen["left"] <= x < screen["left"] + screen["width"] and (
                screen["top"] <= y < screen["top"] + screen["height"]
            ):
                return screen
        return screens[1] if len(screens) > 1 else screens[0]

    def close(self) -> None:
        """Nothing stays open between grabs."""
