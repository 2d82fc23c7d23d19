# One image for every aTES process; docker-compose picks the entry point per service.
FROM node:20-bookworm-slim
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
RUN npm install -g pnpm@10.34.9
WORKDIR /app
# Manifests first, so dependency layers are cached across code changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY patches patches/
COPY gateway/package.json gateway/
COPY gateway/explorer/package.json gateway/explorer/
COPY subgraphs/users/package.json subgraphs/users/
COPY subgraphs/tasks/package.json subgraphs/tasks/
COPY subgraphs/accounting/package.json subgraphs/accounting/
COPY subgraphs/analytics/package.json subgraphs/analytics/
COPY ui/package.json ui/
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/events/package.json packages/events/
COPY packages/testing/package.json packages/testing/
COPY packages/payments/package.json packages/payments/
COPY workers/payment-sandbox/package.json workers/payment-sandbox/
COPY workers/email/package.json workers/email/
COPY e2e/package.json e2e/
RUN pnpm install --frozen-lockfile
COPY . .
# The explorer the gateway serves at /explorer (bundled here: nothing loads from a CDN).
RUN pnpm --filter @ates/explorer build
RUN mkdir -p /data && chown node:node /data
USER node
ENV NODE_ENV=production HOST=0.0.0.0
# Each service overrides this with its own entry point.
CMD ["node", "--import", "tsx", "gateway/src/main.ts"]
