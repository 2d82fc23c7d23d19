# syntax=docker/dockerfile:1
# One image for every aTES process; docker-compose picks the entry point per service
# (`node dist/<service>.js`). Node 24 LTS, pinned to the version CI runs (.ci/run).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# Build stage: every dependency (dev ones too), then `pnpm build`: the services bundled into
# dist/, the web UI and the explorer.
FROM ${NODE_IMAGE} AS build
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
RUN npm install -g pnpm@10.34.9
WORKDIR /app
# The lockfile alone decides the downloads, so this layer survives any code change.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY patches patches/
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
# --out: what production runs and reads, no sources and no node_modules but dist's own.
RUN pnpm build --out /runtime

# Runtime stage: node and the build only; no package manager, no TypeScript loader.
FROM ${NODE_IMAGE} AS runtime
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
  && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=build /runtime ./
USER node
ENV NODE_ENV=production HOST=0.0.0.0 ATES_DATA_DIR=/data
EXPOSE 4000
# The gateway's /readyz by default; compose checks each service's own (dist/healthcheck.js <url>).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/healthcheck.js"]
# OpenTelemetry loads first (off unless OTEL_* name an exporter; docs/operations.md#tracing).
CMD ["node", "--import", "./dist/telemetry.js", "dist/gateway.js"]
