#!/bin/bash
# clamd in the foreground. A fresh volume over /var/lib/clamav starts empty: the test signatures
# go in when missing.
set -euo pipefail
cp -n /opt/test-signatures/*.hdb /opt/test-signatures/*.ndb /var/lib/clamav/
chown -R clamav: /var/lib/clamav /run/clamav
exec clamd --foreground --config-file=/etc/clamav/clamd.conf
