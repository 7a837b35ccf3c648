#!/usr/bin/env bash
# Puts the `streamrisk` command on this user's PATH: builds the executable in Release, packs it as a .NET tool into
# ./artifacts and installs that package with `dotnet tool install --global`, replacing an installed one. Needs only the
# .NET 10 SDK; installs from ./artifacts alone (a tool package carries all it needs, so no feed is asked).
# Remove with `dotnet tool uninstall --global StreamRisk.Cli`.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

artifacts=artifacts
mkdir -p "$artifacts"
rm -rf "$artifacts"/StreamRisk.Cli.*.nupkg "$artifacts/publish"
# The package is the publish folder's content: a fresh one, so nothing of an earlier publish rides along.
dotnet pack src/StreamRisk.Host/StreamRisk.Host.csproj -c Release -o "$artifacts" -p:PublishDir="$(pwd)/$artifacts/publish/" \
  -nologo -clp:ErrorsOnly
package=$(basename "$(ls "$artifacts"/StreamRisk.Cli.*.nupkg)")
version=${package#StreamRisk.Cli.}
version=${version%.nupkg}

# The folder is the only source: a package of the same name on a public feed is never picked instead.
cat > "$artifacts/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="streamrisk" value="$(pwd)/$artifacts" /></packageSources></configuration>
CONFIG

# Uninstall first, so that a rebuild of the same version replaces what is installed.
if dotnet tool list --global | grep -qi '^streamrisk\.cli '; then
  dotnet tool uninstall --global StreamRisk.Cli >/dev/null
fi
dotnet tool install --global StreamRisk.Cli --version "$version" --configfile "$artifacts/nuget.config"
rm -rf "$artifacts/publish"
# dotnet says above how to put its tools folder on the PATH when it is not there yet.
if command -v streamrisk >/dev/null 2>&1; then streamrisk --version; fi
