#!/usr/bin/env bash
# Builds the NativeAOT library and CLI, then runs every test project (unit, Vulkan on lavapipe, native clients).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rid=linux-x64
echo "== publishing libdepthplugins ($rid)"
dotnet publish src/DepthPlugins.Native -c Release -r "$rid" -o artifacts/native -v quiet -nologo
echo "== publishing the depthplugins CLI ($rid)"
dotnet publish src/DepthPlugins.Cli -c Release -r "$rid" -o artifacts/cli -v quiet -nologo
echo "== running tests"
dotnet test DepthPlugins.sln -c Release -nologo --logger "console;verbosity=minimal" "$@"
