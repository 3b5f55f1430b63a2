# syntax=docker/dockerfile:1
# Build stage: compile native modules (better-sqlite3) with the toolchain, then drop it.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY cards ./cards
# npm ci runs `prepare`, which compiles src/ to dist/; then the dev tools go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: no compiler, non-root user, data volume for the default SQLite database.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HARK_PORT=3000 DATABASE_URL=sqlite:/data/hark.db
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HARK_PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# hark start handles SIGTERM: it stops taking work, drains, closes the long connection, exits 0.
CMD ["node", "--max-semi-space-size=4", "bin/hark.js", "start"]
