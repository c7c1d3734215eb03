#!/usr/bin/env bash
# Installs the outside tools some tests use, on Debian. Safe to run again.
#  - promtool (package prometheus): MetricsScrapeTest checks /metrics with a real Prometheus parser
#  - chromium, and playwright-core from npm: DashboardBrowserTest drives the dashboard
#  - systemd: SocketActivationTest starts up under systemd-socket-activate, SystemdCommandTest
#    checks the printed units with systemd-analyze (neither needs systemd running)
#  - pebble (Let's Encrypt's test CA, with pebble-challtestsrv as its DNS server): the ACME tests
#    (dev.nonstop.acme) order certificates from it
#  - express and ws from npm: the WebSocket backend of src/test/node-ws (NodeWsAppTest and the
#    proxy's WebSocket tests run it)
#  - curl: CurlTest speaks HTTP/2 (over TLS, and h2c with prior knowledge) to the proxy
# Tests that need a tool skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
command -v node >/dev/null || need+=(nodejs npm)
command -v systemd-socket-activate >/dev/null || need+=(systemd)
command -v pebble >/dev/null || need+=(pebble)
command -v curl >/dev/null || need+=(curl)
if [[ ${#need[@]} -gt 0 ]]; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  # prometheus would start its service where systemd runs; the tests only need its promtool
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}"
fi
# playwright-core only drives the browser above: no browser download
(cd src/test/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
# the Node WebSocket app the proxy's tests run as a backend
(cd src/test/node-ws && npm ci --no-audit --no-fund --loglevel=error)
