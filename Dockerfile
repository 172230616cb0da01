# Build and run facepipe in containers. The database is external here (see compose.yaml):
# set DATABASE_URL; the embedded cluster is for single-machine use.
FROM swift:6.1-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product facepipe && cp .build/release/facepipe /usr/local/bin/facepipe

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libcurl4 libxml2 tzdata \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 facepipe
COPY --from=build /usr/lib/swift/linux/*.so* /usr/lib/swift/linux/
COPY --from=build /usr/local/bin/facepipe /usr/local/bin/facepipe
ENV LD_LIBRARY_PATH=/usr/lib/swift/linux HTTP_HOST=0.0.0.0
USER facepipe
EXPOSE 8080
ENTRYPOINT ["facepipe"]
CMD ["serve"]
