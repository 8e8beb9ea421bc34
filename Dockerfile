# The sluice worker as an image. Multi-stage: the build stage compiles and
# prebuilds the workflow bundle; the final stage has only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts scripts/build.ts
COPY src src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# Non-root; the Docker socket it needs is root-equivalent anyway (see docs/adapters.md):
# give this user the socket's group (compose: group_add) rather than running as root.
USER node
CMD ["node", "dist/worker/main.js"]
