# One image for both processes:
#   API:    docker run IMAGE                        (node dist/api/main.js)
#   worker: docker run IMAGE node dist/worker/main.js
# Debian rather than Alpine: the Temporal worker's native core and the Postgres binaries that
# npm ships are built against glibc.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# npm ci installs the workspace packages too, so their manifests come before it.
COPY package.json package-lock.json ./
COPY packages/temporal-devserver/package.json ./packages/temporal-devserver/
COPY packages/temporal-ui/package.json ./packages/temporal-ui/
RUN npm ci --no-audit --no-fund
COPY . .
# The workflow bundle is built once here, so workers start without running webpack.
RUN npm run build && node dist/worker/bundleWorkflows.js && test -f dist/workflow-bundle.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/temporal-devserver/package.json ./packages/temporal-devserver/
COPY packages/temporal-ui/package.json ./packages/temporal-ui/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# api and worker run against a real Temporal; only `node dist/worker/allInOne.js` (no
# TEMPORAL_ADDRESS) loads the offline server, from its build.
COPY --from=build /app/packages/temporal-devserver/dist ./packages/temporal-devserver/dist
# The built Temporal UI (checked in) that the offline server serves beside it.
COPY --from=build /app/packages/temporal-ui/build ./packages/temporal-ui/build
COPY deploy/healthcheck.js deploy/migrate.js ./deploy/
# Embedded Postgres (used only when DATABASE_URL is unset) refuses to run as root and needs a
# writable data directory.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
