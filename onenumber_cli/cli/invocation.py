"""Per-invocation state: raw global flags, resolved settings, output and database."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from onenumber_cli.cli.console import terminal
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.i18n import LANGUAGES, language_from_environment, set_language

if TYPE_CHECKING:
    from typer._click import Context

    from onenumber_cli import services as services
    from onenumber_cli.cli.output import Output
    from onenumber_cli.cli.settings import Settings
    from onenumber_cli.storage import connect
    from onenumber_cli.storage.engine import Database
else:  # loaded on first use: --help and completion never import SQLAlchemy
    services = lazy_import("onenumber_cli.services")
    connect = lazy_import("onenumber_cli.storage.connect")


def set_early_language(flag: str | None = None) -> None:
    """Best effort before the settings resolve (before parsing, or when the settings
    themselves are broken): the flag, else ONENUMBER_LANG, else the locale."""
    lang = flag or os.environ.get("ONENUMBER_LANG")
    set_language(lang if lang in LANGUAGES else language_from_environment())


class Invocation:
    """Created by the root callback; commands reach it with :func:`current`."""

    def __init__(self) -> None:
        self.flags: dict[str, Any] = {}
        self._settings: Settings | None = None
        self._output: Output | None = None
        self._db: Database | None = None
        self.ctx: Context | None = None  # the running command's context
        self.confirmed = False  # a prompt (or --yes) already confirmed the change
        self._announced = False
        self._waiting_shown: int | None = None  # the seconds last shown by show_waiting
        # Set once the command has committed a change: what it was, for the error report
        # should the command then fail (its output cannot be written, ...); "" when the
        # command said it itself (a batch's summary).  The error handler never exits 2
        # once it is set: exit 2 means nothing was written.
        self.committed: str | None = None

    def remember(self, name: str, value: Any) -> None:
        self.flags[name] = value
        self._settings = None
        self._output = None
        if name == "lang" and value in LANGUAGES:
            set_language(value)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from onenumber_cli.cli.settings import resolve  # not needed for --help

            set_early_language(self.flags.get("lang"))
            self._settings = resolve(self.flags, stdout_tty=terminal.stdout_is_tty())
            set_language(self._settings.lang)
        return self._settings

    @property
    def out(self) -> Output:
        if self._output is None:
            from onenumber_cli.cli.output import Output

            self._output = Output(self.settings)
        return self._output

    def database(self, *, schema_check: bool = True, create: bool = False,
                 create_default: bool = True) -> Database:
        """The invocation's database, opened once (``db`` commands skip the schema check;
        completion creates nothing)."""
        if self._db is None:
            from onenumber_cli.cli.settings import data_dir

            options: dict[str, Any] = {}
            if self.settings.lock_timeout is not None:
                options["lock_timeout"] = self.settings.lock_timeout
            if self.settings.statement_timeout is not None:
                options["statement_timeout"] = self.settings.statement_timeout
            if self.settings.commit_timeout is not None:
                options["commit_timeout"] = self.settings.commit_timeout
            if self.settings.reconnect_timeout is not None:
                options["reconnect_timeout"] = self.settings.reconnect_timeout
            self._db = connect.open_database(
                self.settings.db, data_dir=data_dir(), schema_check=schema_check,
                create=create, create_default=create_default, echo=self.settings.debug,
                synchronous=self.settings.sqlite_synchronous,
                operator=self.settings.operator, **options,
            )
            if terminal.stderr_is_tty() and not self.settings.quiet:
                self._db.reconnect.waiting = self.show_waiting
        return self._db

    def show_waiting(self, seconds: float | None) -> None:
        """On a terminal, while a change waits for the database after a lost connection
        (a failover): one line, rewritten when the count of seconds changes, ended when
        the wait is (the database was named on the ``Target:`` line)."""
        from onenumber_cli.i18n import t

        shown = int(seconds) if seconds is not None else None
        if shown == self._waiting_shown:
            return
        stderr = self.out.stderr
        if shown is None:
            stderr.write("\n")
        else:
            stderr.write("\r" + t("waiting for a primary ... {seconds} s", seconds=shown)
                         + "\x1b[K")
        stderr.flush()
        self._waiting_shown = shown

    def actor(self, batch_id: str | None = None, reverts: str | None = None, *,
              fields: Iterable[str] | None = None) -> services.Actor:
        """Who makes a change: every changing command asks for one before it acts, so
        this is where the output options are checked against the command's ``fields``
        (by default a change result's), where, on a terminal, the target is named, and
        where a profile with ``confirm = true`` asks (unless ``--yes`` or the command's
        own prompt did)."""
        if fields is None:
            from onenumber_cli.cli.views import change_fields

            fields = change_fields(self.settings.output)
        self.before_change(fields)
        return services.Actor(operator=self.settings.operator, batch_id=batch_id,
                              reverts=reverts)

    def before_change(self, fields: Iterable[str]) -> None:
        """What every command that writes calls before its first write: ``--fields``
        checked against ``fields`` (the names its output has; exit 2, nothing written),
        the target named on a terminal, and a profile's ``confirm = true`` honoured."""
        from onenumber_cli.i18n import t

        settings = self.settings
        params = self.ctx.params if self.ctx is not None else {}
        self.out.expect(fields)
        self.announce_target()
        if (settings.confirm_changes and not self.confirmed and not params.get("yes")
                and not params.get("dry_run")):
            from onenumber_cli.cli.console import Declined, confirm
            from onenumber_cli.errors import ConfirmationRequired

            if settings.no_input:
                raise ConfirmationRequired("no_input", command=self.command_name())
            if not terminal.interactive():
                raise ConfirmationRequired(command=self.command_name())
            if not confirm(t("Profile {profile} asks to confirm every change: {change}, "
                             "on {url}. Proceed?", profile=settings.profile,
                             change=self.command_line(), url=self.target_url())):
                raise Declined()
            self.confirmed = True

    def announce_target(self) -> None:
        """On a terminal, once: the profile and database a change is about to go to."""
        from onenumber_cli.i18n import t

        if not self._announced and terminal.stderr_is_tty() and not self.settings.quiet:
            self._announced = True
            self.out.message(t("Target: {target}", target=self.target()))

    def target_url(self) -> str:
        """The (masked) URL of the database a command works on."""
        from onenumber_cli.cli.settings import data_dir

        if self.settings.db is None:
            return f"sqlite:///{data_dir() / 'onenumber.sqlite'}"
        return str(lazy_import("onenumber_cli.storage.engine").masked(self.settings.db))

    def target(self) -> str:
        """The profile and the (masked) database a change would go to."""
        from onenumber_cli.i18n import t

        url = self.target_url()
        if self.settings.profile is None:
            return t("database {url}", url=url)
        return t("profile {profile}, database {url}", profile=self.settings.profile, url=url)

    def command_line(self) -> str:
        """The command and its arguments as given (``devices rename demo-multi BMW 愛車``):
        what a confirmation names."""
        import shlex

        if self.ctx is None:
            return self.command_name()
        values = []
        for param in self.ctx.command.params:
            if param.param_type_name != "argument":
                continue
            value = self.ctx.params.get(param.name or "")
            values += ([str(v) for v in value] if isinstance(value, (list, tuple))
                       else [] if value is None else [str(value)])
        return " ".join([self.command_name(), *(shlex.quote(v) for v in values)])

    def command_name(self) -> str:
        path = self.ctx.command_path if self.ctx is not None else "onenumber"
        return path.removeprefix("onenumber ")

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


def current(ctx: Context) -> Invocation:
    root = ctx.find_root()
    if not isinstance(root.obj, Invocation):
        root.obj = Invocation()
    if ctx is not root:
        root.obj.ctx = ctx
    return root.obj
