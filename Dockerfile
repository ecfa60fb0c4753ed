# Flux in a container: build stage and a slim runtime stage on Debian
# bookworm, with the same packages scripts/setup installs (the build stage
# also has the test packages' clang-14, libFuzzer and sanitizer runtimes, so
# scripts/fuzz and scripts/test --sanitize run in it).
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libcaf-dev libboost-dev \
      libboost-system-dev librdkafka-dev rapidjson-dev doctest-dev \
      libssl-dev zlib1g-dev libexpat1-dev libjwt-dev ca-certificates nodejs npm \
      clang-14 libfuzzer-14-dev libclang-rt-14-dev llvm-14 curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN rm -rf build web/node_modules web/dist \
 && (cd web && npm ci --no-audit --no-fund && npm run build) \
 && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j2 --target flux

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcaf-core0.17 libcaf-io0.17 libcaf-openssl0.17 librdkafka1 libssl3 libexpat1 \
      zlib1g libjwt0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/build/flux /app/flux
COPY --from=build /src/web/dist /app/web/dist
COPY config /app/config
EXPOSE 8080
USER nobody
ENTRYPOINT ["/app/flux", "--config-file=/app/config/flux.ini", \
            "--gateway.bind=0.0.0.0", "--gateway.web-root=/app/web/dist"]
