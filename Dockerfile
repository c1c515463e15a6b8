# The ideas image: the web (gunicorn), the Celery worker and beat all run from it;
# docker-compose.yml says which command each container runs.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    IDEAS_INSTANCE_PATH=/var/lib/ideas

RUN useradd --system --create-home --home-dir /home/ideas --shell /usr/sbin/nologin ideas \
    && mkdir -p /var/lib/ideas \
    && chown ideas:ideas /var/lib/ideas

WORKDIR /app

# The dependencies first, in a layer of their own: a change to the code alone does not
# reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project. It is installed in place (editable) because the migrations live
# beside the package, in /app/migrations, where the app looks for them.
COPY ideas ./ideas
COPY worker ./worker
COPY migrations ./migrations
RUN pip install --no-deps -e . \
    && python -c "import ideas, worker"

USER ideas
EXPOSE 8000
CMD ["ideas", "serve", "--web-only", "--host", "0.0.0.0", "--port", "8000"]
