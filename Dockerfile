# syntax=docker/dockerfile:1
# One image per service from the same workspace: `docker build --target server .` / `--target dashboard`.
# compose.yaml builds both. The build stages run as root in the Bun image; the runtime stages are slim,
# run as the image's unprivileged `bun` user and hold no dev dependency, no source they do not run, no secret.

ARG BUN_VERSION=1.4.5

# ---- deps: every workspace's dependencies exactly as locked (this layer is cached until a manifest changes)
FROM oven/bun:${BUN_VERSION} AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
COPY server/package.json ./server/
COPY widget/package.json ./widget/
COPY dashboard/package.json ./dashboard/
RUN bun install --frozen-lockfile

# ---- build: the widget bundle and the dashboard (the dashboard type-imports the server's App, hence server/)
FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /app
COPY --from=deps /app ./
COPY tsconfig.json ./
COPY server ./server
COPY convex ./convex
COPY widget ./widget
COPY dashboard ./dashboard
RUN bun run --filter widget build && bun run --filter dashboard build

# ---- prod-deps: what runs needs only the server's dependencies (the widget and the dashboard are bundled)
FROM oven/bun:${BUN_VERSION} AS prod-deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
COPY server/package.json ./server/
COPY widget/package.json ./widget/
COPY dashboard/package.json ./dashboard/
RUN bun install --frozen-lockfile --production

# ---- server: Elysia API, serves the widget bundle, owns the SQLite file on the /data volume
FROM oven/bun:${BUN_VERSION}-slim AS server
WORKDIR /app
ENV NODE_ENV=production \
    PORT=4000 \
    DATABASE_PATH=/data/chat.db
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/server/node_modules ./server/node_modules
COPY package.json tsconfig.json ./
COPY server/package.json server/tsconfig.json ./server/
COPY server/src ./server/src
COPY convex ./convex
COPY --from=build /app/widget/dist ./widget/dist
# A fresh named volume takes this directory's owner, so the unprivileged user can write the database.
RUN mkdir -p /data && chown bun:bun /data
USER bun
EXPOSE 4000
# No curl in the Bun image: the probe is a one-line fetch. (No --start-period: dockerfilelint 1.8 misparses
# it; compose.yaml sets start_period, and Bun boots in well under the first interval anyway.)
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["bun", "server/src/index.ts"]

# ---- dashboard: SvelteKit (adapter-node) output; its dependencies are bundled into build/
FROM oven/bun:${BUN_VERSION}-slim AS dashboard
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000
COPY dashboard/package.json ./dashboard/
COPY --from=build /app/dashboard/build ./dashboard/build
USER bun
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["bun", "dashboard/build/index.js"]
