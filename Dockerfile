# Berth's image: the scheduler (`berth serve`) and the validation command `validate` Jobs run
# (`berth validate`). Two stages: the build stage installs with dev dependencies to build the web
# UI, then drops them; the runtime stage holds Node 24, the sources (run by Node's own type
# stripping, nothing compiled), production dependencies and the built UI, and runs as a non-root
# user on a read-only root filesystem (the manifests mount /tmp and the data directory).
#
#   docker build -t berth:0.1.0 .                                         # with onnxruntime's CUDA provider
#   docker build --build-arg ONNXRUNTIME_NODE_INSTALL=skip -t berth:0.1.0 .  # offline: CPU provider only
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# onnxruntime-node's install script fetches the CUDA/TensorRT provider libraries from outside the
# npm registry; "skip" keeps the build offline (the CPU provider ships in the package).
ARG ONNXRUNTIME_NODE_INSTALL=
ENV ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL}
WORKDIR /app
COPY package.json package-lock.json ./
COPY web ./web
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    BERTH_DATA_DIR=/var/lib/berth \
    BERTH_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/web/dist ./web/dist
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
RUN groupadd --gid 10001 berth && useradd --uid 10001 --gid berth --no-create-home berth \
 && mkdir -p /var/lib/berth && chown berth:berth /var/lib/berth
USER 10001:10001
EXPOSE 8080 8443
ENTRYPOINT ["node", "/app/bin/berth.js"]
CMD ["serve"]
