"""The seed document's usage examples, run as written against the installed wheels.

Run by wheel_acceptance.py inside a fresh venv, from an empty directory, so nothing but
the wheels can be imported. Each block is the seed's, with `shared.*` read as `aurora.*`.
"""

import tempfile

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

# Configuration
from aurora.config import get_config

config = get_config("subject-service")
print(config.database.connection_string)

# Base application
from aurora.app import create_service  # noqa: E402

config = get_config("my-service")
service = create_service("my-service", config)
app = service.app

# Errors
from aurora.errors import NotFoundError, ValidationError  # noqa: E402

for error in (NotFoundError("Subject", "123"), ValidationError("Invalid input", details=[{"field": "name"}])):
    try:
        raise error
    except (NotFoundError, ValidationError) as caught:
        print(caught.status, caught.code)

# Logging
from aurora.logging import log_event, setup_logging  # noqa: E402

logger = setup_logging("my-service", level="INFO")
logger.info("Service started")
log_event(logger, "user_created", {"user_id": 123}, "correlation-123")

# Utilities
from aurora.utils import CircuitBreaker, generate_uuid, sanitize_filename  # noqa: E402

id = generate_uuid()  # noqa: A001 - the seed's own name
safe_name = sanitize_filename("my file.pdf")
breaker = CircuitBreaker()
result = breaker.call(lambda a, b: a + b, 1, 2)
assert (safe_name, result) == ("my_file.pdf", 3), (safe_name, result)

# Events
from aurora.events import EventType, create_subject_created_event  # noqa: E402

event = create_subject_created_event(
    subject_id="123", subject_data={"name": "Math"}, correlation_id="abc-123"
)
assert event.type == EventType.SUBJECT_CREATED.value or event.type == EventType.SUBJECT_CREATED

# Database (sync usage and the repository pattern), on the embedded SQLite default
from aurora.db import Base, BaseRepository, UUIDPrimaryKeyMixin, get_db_session, get_engine  # noqa: E402


class Subject(UUIDPrimaryKeyMixin, Base):
    __tablename__ = "subjects"
    name: Mapped[str] = mapped_column(String(100))


class SubjectRepository(BaseRepository):  # type: ignore[type-arg]
    def __init__(self, session):  # type: ignore[no-untyped-def]
        super().__init__(session, Subject)


with tempfile.TemporaryDirectory() as data_dir:
    get_config.cache_clear()
    import os

    os.environ["AURORA_SERVICE__DATA_DIR"] = data_dir
    Base.metadata.create_all(get_engine("subject-service"))
    with get_db_session("subject-service") as db:
        SubjectRepository(db).add(Subject(name="Math"))
    with get_db_session("subject-service") as db:
        assert SubjectRepository(db).count() == 1
print("seed examples: ok")
