#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds in Release, runs every test project,
# and ends with one line `tests: N passed, N failed, N skipped`. Exit code: non-zero if anything failed,
# a test assembly did not report, or nothing ran.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- system packages the tests start for real (no test skips because a service is missing) ---
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The replay report draws chart text with Skia, which reads fonts from /usr/share/fonts and has none on a bare
# Debian (the .NET SDK ships none): the report test checks that the charts have text.
find /usr/share/fonts \( -name '*.ttf' -o -name '*.otf' \) -print -quit 2>/dev/null | grep -q . || need+=(fonts-dejavu-core)
# The dashboard's browser tests drive Debian's headless Chromium through Playwright (no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The Prometheus alert rules, their unit tests and the Grafana dashboards' queries are checked with promtool, which
# Debian ships in the prometheus package (installing it starts no server here).
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null || { echo "test.sh: apt-get install ${need[*]} failed" >&2; exit 1; }
  else
    echo "test.sh: missing ${need[*]}; install with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi

# --- build once, in Release ---
dotnet build StreamRisk.sln -c Release -nologo -clp:ErrorsOnly || { echo "tests: 0 passed, 1 failed, 0 skipped"; echo "test.sh: build failed" >&2; exit 1; }

# --- run every test project, one at a time (they start Kafka clusters and redis-servers) ---
results=$(mktemp -d)
status=0
projects=$(find tests -name '*Tests.csproj' | sort)
count=0
for project in $projects; do
  count=$((count + 1))
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build --nologo 2>&1 | tee "$results/$name.log" | grep -E '^\s*(Failed |Passed!|Failed!|Skipped |\[xUnit.net.*(FAIL|SKIP))' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done

passed=0; failed=0; skipped=0; reported=0
for log in "$results"/*.log; do
  line=$(grep -E '(Passed|Failed)!\s+- Failed:' "$log" | tail -1)
  [ -n "$line" ] || { echo "test.sh: $(basename "$log" .log) reported no results" >&2; status=1; continue; }
  reported=$((reported + 1))
  f=$(sed -E 's/.*Failed:\s+([0-9]+).*/\1/' <<<"$line")
  p=$(sed -E 's/.*Passed:\s+([0-9]+).*/\1/' <<<"$line")
  s=$(sed -E 's/.*Skipped:\s+([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  # A failure's message and where it came from, so a CI log says why (the full log is deleted below).
  [ "$f" -eq 0 ] || grep -E -A 12 '^\s*Failed [A-Za-z]' "$log" | grep -v -E '^\s*at (System|Xunit|Microsoft)\.' | head -60 >&2
done
rm -rf "$results"

[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || { echo "test.sh: no test ran" >&2; status=1; }
[ "$reported" -eq "$count" ] || status=1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
