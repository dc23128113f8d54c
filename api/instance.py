"""The instance folder of the zero-setup default, private to the account that runs Waypoint.

It holds PHI (the SQLite database), the broker's messages (check-in ids, alert ids), the
secret key that signs sessions and the demo login: the folder is 0700 and every file in
it 0600, whatever the umask. Files are created private rather than tightened after they
were written, and what an older version left readable is tightened at every start.
"""

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from . import config

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def prepare_folder(folder: Path | None = None) -> Path:
    """Create the instance folder (0700) if needed and return it."""
    folder = folder or config.INSTANCE
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    return folder


def secure_instance(app_config: dict, folder: Path | None = None) -> None:
    """Make the folder 0700 and its files 0600; create its SQLite files private, empty."""
    folder = prepare_folder(folder)
    _tighten(folder, FOLDER_MODE)
    for path in folder.rglob("*"):
        if path.is_symlink():
            continue  # chmod would follow it out of the folder
        _tighten(path, FOLDER_MODE if path.is_dir() else FILE_MODE)
    # SQLite creates a database with the umask's mode (0644), and its journal and WAL with
    # the database's mode: an empty file made 0600 first is a valid database and keeps all
    # three private.
    for path in sqlite_files(app_config, folder):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))


def sqlite_files(app_config: dict, folder: Path | None = None) -> list[Path]:
    """The SQLite files of the database and the broker that live in the instance folder."""
    folder = (folder or config.INSTANCE).resolve()
    files = []
    for url in _urls(app_config):
        if not url.startswith("sqlite:///"):
            continue
        database = make_url(url).database
        if database and database != ":memory:":
            path = Path(database).resolve()
            if path.parent == folder:
                files.append(path)
    return files


def uses_instance(app_config: dict) -> bool:
    """Whether the database or the broker is a SQLite file (the zero-setup default)."""
    return any(url.startswith("sqlite") for url in _urls(app_config))


def _urls(app_config: dict) -> tuple[str, str]:
    broker = app_config["CELERY"].get("broker_url", "")
    # kombu's SQLAlchemy transport spells its URL sqla+<SQLAlchemy URL>.
    return app_config["SQLALCHEMY_DATABASE_URI"], broker.removeprefix("sqla+")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file that is 0600 from its creation on."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.chmod(path, FILE_MODE)  # an existing file keeps its mode through O_CREAT


def _tighten(path: Path, mode: int) -> None:
    if path.stat().st_mode & 0o777 != mode:
        path.chmod(mode)
