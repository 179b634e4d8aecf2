# One image for every app; APP picks which one runs (gateway, auth, moderation, replay).
FROM node:20-bookworm-slim AS build
WORKDIR /repo
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build --projects=gateway,auth,moderation,replay

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /repo/dist ./dist
USER node
ENV APP=gateway
CMD ["sh", "-c", "exec node dist/apps/${APP}/main.js"]
