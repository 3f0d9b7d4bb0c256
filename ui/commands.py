"""Workdiary's own commands run from the app in processes of their own (login, review, approve,
dispute...): the app loads no HTTP client, keyring or cryptography, and a slow marketplace
never freezes a window."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QProcess

#: What a finished command gives back: its exit code, standard output and standard error.
Done = Callable[[int, str, str], None]


class CommandRunner(QObject):
    """Runs ``command`` (how this program runs itself, with its --data-dir) with arguments."""

    def __init__(self, command: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.command = list(command)
        #: The processes under way, so that a window closing can wait for none of them.
        self.running: list[QProcess] = []
        #: Processes that finished: deleted when the next command starts. Deleting one from
        #: its own finished signal (deleteLater) crashed Qt when the signal came inside a
        #: nested event loop.
        self._finished: list[QProcess] = []

    def run(self, arguments: list[str], done: Done, stdin: str | None = None) -> None:
        while self._finished:
            self._finished.pop().deleteLater()
        process = QProcess(self)
        process.setProgram(self.command[0])
        process.setArguments([*self.command[1:], *arguments])
        self.running.append(process)

        def finish(code: int, out: str, err: str) -> None:
            if process in self.running:
                self.running.remove(process)
                self._finished.append(process)
                done(code, out, err)

        def finished(code: int, _: QProcess.ExitStatus) -> None:
            out = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
            err = bytes(process.readAllStandardError().data()).decode("utf-8", "replace")
            finish(code, out, err)

        def failed(error: QProcess.ProcessError) -> None:
            if error is QProcess.ProcessError.FailedToStart:
                finish(-1, "", f"the command could not start ({process.errorString()})")

        process.finished.connect(finished)
        process.errorOccurred.connect(failed)
        process.start()
        if stdin is not None:
            process.write((stdin + "\n").encode("utf-8"))
        process.closeWriteChannel()


def problem_text(err: str, code: int) -> str:
    """What a failed command said, as one line for a window."""
    lines = [line.removeprefix("workdiary: ") for line in err.strip().splitlines()]
    return " ".join(lines) or f"The command failed (exit code {code})."
