"""`crmctl daemon`: events continuously, time rules on their schedule, one line per firing.

Events: LISTEN crm_events on PostgreSQL (a statement trigger on ``events`` NOTIFYs),
a short poll on SQLite. Time rules: the `schedule` library wakes each rule at its
times; every rule also runs once at start, which catches up a window missed while the
daemon was down. SIGTERM/SIGINT let the current firing finish, then exit 0. A heartbeat
row tells `crmctl daemon status` the daemon is alive.
"""

from __future__ import annotations

import os
import select as select_module
import signal
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import schedule
from sqlalchemy import Connection, Engine, update
from sqlalchemy.exc import InterfaceError, OperationalError

from crmctl import clock
from crmctl.db.engine import session_scope
from crmctl.db.models import DaemonHeartbeat
from crmctl.notify.outbox import deliver_due
from crmctl.workflows.firings import Firing
from crmctl.workflows.runner import Runner
from crmctl.workflows.schema import RuleSet

HEARTBEAT = timedelta(seconds=10)


class Daemon:
    def __init__(
        self,
        settings: Any,
        rules: RuleSet,
        *,
        poll: float,
        log: Callable[[str], None],
        max_loops: int | None = None,
    ) -> None:
        self.stopping = False
        self.log = log
        self.poll = poll
        self.max_loops = max_loops
        self.runner = Runner(settings, rules, log=self._log_firing, should_stop=self._stop)
        self.engine: Engine = self.runner.engine
        self.scheduler = schedule.Scheduler()
        self.due_time_rules: set[str] = set()
        self.heartbeat_id: int | None = None
        self.firings = 0

    def _stop(self) -> bool:
        return self.stopping

    def _log_firing(self, firing: Firing) -> None:
        self.firings += 1
        stamp = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.log(f"{stamp} {firing.log_line()}")

    def request_stop(self, signum: int, _frame: Any) -> None:
        self.log(f"received {signal.Signals(signum).name}: finishing the current batch of firings")
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        self._schedule_time_rules()
        self._beat(start=True)
        rules = len(self.runner.active_rules())
        self.log(f"daemon started (pid {os.getpid()}, {rules} rules, {self.engine.dialect.name})")
        listener = self._listen()
        loops = 0
        last_beat = time.monotonic()
        try:
            # Catch-up: every time rule once now, for a window missed while down.
            self.due_time_rules = {r.id for r in self.runner.active_rules() if r.is_time}
            while not self.stopping:
                try:
                    self._pass()
                except (OperationalError, InterfaceError) as error:
                    # A restarted database server or a long lock: wait and try again.
                    self.log(f"database error, retrying: {str(error).splitlines()[0]}")
                loops += 1
                if self.max_loops is not None and loops >= self.max_loops:
                    break
                if time.monotonic() - last_beat >= HEARTBEAT.total_seconds():
                    self._beat()
                    last_beat = time.monotonic()
                self._wait(listener)
        finally:
            if listener is not None:
                listener.close()
            self._beat(stop=True)
            self.log(f"daemon stopped after {self.firings} firing(s)")
        return 0

    def _pass(self) -> None:
        runner = self.runner
        runner.now = clock.now()
        runner._conditions.clear()
        firings: list[Firing] = []
        runner.process_events(firings)
        self.scheduler.run_pending()
        if self.due_time_rules and not self.stopping:
            runner.process_time_rules(firings, set(self.due_time_rules))
            self.due_time_rules.clear()
        if not self.stopping:
            runner.retry_failed(firings)
        if not self.stopping:
            for result in deliver_due(self.engine, runner.settings, runner.now):
                self.log(
                    f"delivery #{result.id} {result.channel} {result.target}: "
                    f"{result.status}{' — ' + result.error if result.error else ''}"
                )

    def _schedule_time_rules(self) -> None:
        for rule in self.runner.active_rules():
            every = getattr(rule.trigger, "every", None)
            if every is None:
                # date: and task.overdue triggers are checked once a minute.
                job = self.scheduler.every(60).seconds
            else:
                job = every.schedule_job(self.scheduler, self.runner.tz)
            job.do(self.due_time_rules.add, rule.id)

    def _listen(self) -> Connection | None:
        if self.engine.dialect.name != "postgresql":
            return None
        connection = self.engine.connect()
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("LISTEN crm_events")
        return connection

    def _wait(self, listener: Connection | None) -> None:
        if self.stopping:
            return
        if listener is None:
            time.sleep(self.poll)
            return
        raw = listener.connection.dbapi_connection
        try:
            select_module.select([raw.fileno()], [], [], self.poll)  # type: ignore[union-attr]
        except InterruptedError:
            return
        for _ in raw.notifies(timeout=0):  # type: ignore[union-attr]
            pass  # drain: one pass handles every event committed so far

    def _beat(self, *, start: bool = False, stop: bool = False) -> None:
        now = clock.now()
        with session_scope(self.engine) as session:
            if start or self.heartbeat_id is None:
                row = DaemonHeartbeat(
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    started_at=now,
                    beat_at=now,
                    firings=0,
                )
                session.add(row)
                session.flush()
                self.heartbeat_id = row.id
                return
            values: dict[str, Any] = {"beat_at": now, "firings": self.firings}
            if stop:
                values["stopped_at"] = now
            session.execute(
                update(DaemonHeartbeat)
                .where(DaemonHeartbeat.id == self.heartbeat_id)
                .values(**values)
            )
