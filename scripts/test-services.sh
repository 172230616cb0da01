# Sourced (not run) by the scripts that run the Swift tests against real services: starts a
# throw-away PostgreSQL, clamd with a test signature and two moto_server instances (S3 on
# loopback), exports where the tests find them, and stops them all when the sourcing shell
# exits. Expects to be sourced from the repository's root.
stop_test_services() {
  bash scripts/test-db.sh stop || true
  bash scripts/test-clamd.sh stop || true
  bash scripts/test-moto.sh stop || true
  TEST_MOTO_INSTANCE=test-moto-auth bash scripts/test-moto.sh stop || true
}
trap stop_test_services EXIT
bash scripts/test-db.sh start
bash scripts/test-clamd.sh start
bash scripts/test-moto.sh start
TEST_MOTO_INSTANCE=test-moto-auth TEST_MOTO_PORT=25445 bash scripts/test-moto.sh start
export FACEPIPE_TEST_DATABASE_URL="$(bash scripts/test-db.sh url)"
export FACEPIPE_TEST_CLAMD_SOCKET="$(bash scripts/test-clamd.sh socket)"
export FACEPIPE_TEST_CLAMD_TCP="127.0.0.1:$(cat .data/clamd/tcp.port)"
export FACEPIPE_TEST_S3_ENDPOINT="$(bash scripts/test-moto.sh url)"
export FACEPIPE_TEST_S3_AUTH_ENDPOINT="$(TEST_MOTO_INSTANCE=test-moto-auth bash scripts/test-moto.sh url)"
