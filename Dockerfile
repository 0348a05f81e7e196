# mietschulung: release binary on a slim Debian image.
#
#   docker build -t mietschulung .
#   docker run -p 8080:8080 -v mietschulung-data:/data \
#       -e MIETSCHULUNG_PUBLIC_URL=https://mietschulung.example.org mietschulung
#
# Several replicas: set DATABASE_URL=postgres://..., and share MIETSCHULUNG_SESSION_KEY and
# MIETSCHULUNG_KEYS_DIR (e.g. a mounted secret) between them; see README.md.

# ---- build ------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder

# diesel's postgres feature links against libpq.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# 1. Dependencies only, with placeholder sources, so this layer stays cached until
#    Cargo.toml or Cargo.lock change. Cargo.toml declares the bench targets explicitly,
#    so they need placeholders too. `.cargo/config.toml` sets how the bundled SQLite is
#    built (see ARCHITECTURE.md), so it comes before the dependencies.
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
RUN mkdir src benches \
    && echo 'fn main() {}' > src/main.rs \
    && echo 'fn main() {}' > benches/certificates.rs \
    && echo 'fn main() {}' > benches/erasure.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# The commit `mietschulung_build_info` names (the build context has no .git):
#   docker build --build-arg MIETSCHULUNG_GIT_COMMIT=$(git rev-parse --short=12 HEAD) .
ARG MIETSCHULUNG_GIT_COMMIT=

# 2. The real sources. Migrations, templates, locales and fonts are embedded at compile time.
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY locales ./locales
COPY fonts ./fonts
# COPY keeps the files' original mtimes, which can be older than the placeholder build:
# touch the crate roots so cargo rebuilds our crate.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && install -m 0755 target/release/mietschulung /usr/local/bin/mietschulung

# ---- runtime ----------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 mietschulung \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin mietschulung \
    && mkdir -p /data \
    && chown 10001:10001 /data \
    && chmod 0700 /data

COPY --from=builder /usr/local/bin/mietschulung /usr/local/bin/mietschulung

# /data holds the SQLite database (unless DATABASE_URL points elsewhere), session.key,
# keys/ (Ed25519 private keys) and mail/ (when no SMTP server is configured).
ENV MIETSCHULUNG_DATA_DIR=/data \
    MIETSCHULUNG_BIND=0.0.0.0:8080
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 8080

# Ready when /readyz answers 200 (database and data directory); the binary asks itself, so
# the image needs no HTTP client. Orchestrators may probe GET /healthz (liveness) and
# GET /readyz (readiness) directly instead. Allow 45 s for a graceful stop (docker stop -t 45).
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/mietschulung", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/mietschulung"]
CMD ["serve"]
