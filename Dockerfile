# syntax=docker/dockerfile:1
# Hark on Node 24 LTS. Build: docker build -t hark . ; run: see deploy/compose.yaml and the README.
ARG NODE_IMAGE=node:24-bookworm-slim

# Build stage: compile native modules (better-sqlite3) with the toolchain and src/ to dist/, then
# drop the dev dependencies (typescript, tsx): the image runs the compiled dist/ only.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json LICENSE ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY cards ./cards
COPY examples ./examples
# npm ci runs `prepare`, which compiles src/ to dist/; then the dev tools go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund && test -f dist/.built

# Runtime stage: no compiler, non-root user, data volume for the default SQLite database.
FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="hark" \
      org.opencontainers.image.description="Self-hosted, two-way on-call chat operations for Lark (Feishu)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
ENV NODE_ENV=production HARK_PORT=3000 DATABASE_URL=sqlite:/data/hark.db
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HARK_PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# hark start handles SIGTERM: it stops taking work, drains clicks and deliveries in flight (up to
# ~20 s), closes the long connection and exits 0. Give it that long before SIGKILL:
# `docker stop -t 30`, compose `stop_grace_period: 30s`, Kubernetes `terminationGracePeriodSeconds: 30`.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=4", "bin/hark.js", "start"]
