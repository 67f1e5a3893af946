"""The gradebook: nbgrader's database, at any SQLAlchemy URL.

By default every grading run writes a fresh SQLite file, ``<out>/gradebook.db``. With
``--db-url postgresql://user@host/dbname`` the scores go into one PostgreSQL database that several grading
machines (and nbgrader's own ``nbgrader export --CourseDirectory.db_url=…``) share across assignments and runs.

Writing a row is idempotent: a submission graded twice (re-run, or retried after a worker died after writing)
ends as one submission with the latest scores, never as two.

>>> is_server_url("sqlite:////tmp/gradebook.db"), is_server_url("postgresql://grader@db.example.edu/course")
(False, True)
>>> redact("postgresql://grader:secret@db.example.edu:5432/course")
'postgresql://grader:***@db.example.edu:5432/course'
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

COURSE_ID = "l2-loss"  # nbgrader's course id in every gradebook this grader writes


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def is_server_url(db_url: str) -> bool:
    """True for a database server (PostgreSQL, MySQL, …), False for an SQLite file."""
    return not db_url.split(":", 1)[0].lower().startswith("sqlite")


def redact(db_url: str) -> str:
    """The URL with its password hidden, for messages and reports."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 -- a malformed URL is reported by check_url
        return db_url.split("@")[-1]


def check_url(db_url: str) -> None:
    """Fail early, with the reason, when the database cannot be reached or its driver is missing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ArgumentError

    try:
        engine = create_engine(db_url)
    except ArgumentError as exc:
        raise SystemExit(f"--db-url {db_url!r} is not a database URL (expected e.g. "
                         "postgresql://user@host/dbname or sqlite:///path/gradebook.db): {exc}") from exc
    except ModuleNotFoundError as exc:
        raise SystemExit(f"--db-url {redact(db_url)}: the database driver is not installed ({exc.name})") from exc
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 -- any connection failure stops the run before grading starts
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SystemExit(f"cannot open the gradebook at {redact(db_url)}: {first}") from exc
    finally:
        engine.dispose()


def record(db_url: str, assignment: str, notebook: str, part_ids: list[str], rows, attempts: int = 5,
           on_error=None) -> None:
    """Write each row's scores (student, submission, one auto score per graded part) in one transaction per row.

    The assignment must already be in the gradebook (``generate_assignment`` records it). Concurrent writers
    of the same student (a task run twice) may collide on a unique key: the loser rolls back and retries,
    then finds the row the winner wrote and updates it. ``on_error(row, exc)``: called for a row the database
    refuses for another reason (the row is rolled back, the others are written); without it, the error is raised.
    """
    from nbgrader.api import Gradebook, InvalidEntry
    from sqlalchemy.exc import IntegrityError, OperationalError

    with Gradebook(db_url, course_id=COURSE_ID) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy autoflush chatter inside nbgrader's add_submission
        for row in rows:
            for attempt in range(attempts):
                try:
                    gb.update_or_create_student(row.student)
                    gb.update_or_create_submission(assignment, row.student)
                    for part in part_ids:
                        grade = gb.find_grade(part, notebook, assignment, row.student)
                        grade.auto_score = float(row.scores.get(part, 0.0))
                    gb.db.commit()
                    break
                except (IntegrityError, InvalidEntry, OperationalError) as exc:
                    gb.db.rollback()
                    if attempt == attempts - 1:
                        if on_error is None:
                            raise
                        on_error(row, exc)
                        break
                    time.sleep(0.05 * (attempt + 1))
                except Exception as exc:  # noqa: BLE001 -- e.g. an id the database cannot store
                    gb.db.rollback()
                    if on_error is None:
                        raise
                    on_error(row, exc)
                    break


def scores(db_url: str, assignment: str) -> dict[str, float]:
    """Total auto score per student for one assignment, read back from the gradebook.

    Reads through nbgrader's API, the way ``nbgrader export`` does, so a test compares what instructors see.
    """
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment(assignment).submissions}
