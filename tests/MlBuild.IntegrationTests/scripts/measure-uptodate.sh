#!/usr/bin/env bash
# What MlBuild adds to an up-to-date `dotnet build`: samples/ChurnData referencing the packed MlBuild package, against
# the same project without it. Both copies are built once, then timed alternately (and with hyperfine when present).
#   usage: tests/MlBuild.IntegrationTests/scripts/measure-uptodate.sh [RUNS]      (from the repository root)
set -euo pipefail
runs="${1:-10}"
skip_timing="${MLBUILD_MEASURE_SUMMARY_ONLY:-}"
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
work="$(mktemp -d -t mlbuild-measure-XXXXXX)"
version="0.0.1-measure.$(date -u +%Y%m%d%H%M%S)"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"

dotnet pack "$repo/src/MlBuild.Package" -c Release -o "$work/feed" -p:PackageVersion="$version" -nodeReuse:false -tl:off -v:q >/dev/null

for variant in with without; do
  ws="$work/$variant"
  mkdir -p "$ws"
  cp -r "$repo/samples/ChurnData" "$ws/"
  rm -rf "$ws/ChurnData/bin" "$ws/ChurnData/obj"
  echo '<Project />' > "$ws/Directory.Build.props"
  echo '<Project />' > "$ws/Directory.Build.targets"
  echo '<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>' > "$ws/Directory.Packages.props"
  echo 'root = true' > "$ws/.editorconfig"
  cp "$repo/global.json" "$ws/"
  cat > "$ws/NuGet.config" <<XML
<configuration><packageSources><clear />
  <add key="local" value="$work/feed" /><add key="machine" value="$packages" />
</packageSources></configuration>
XML
  if [ "$variant" = with ]; then
    sed -i "s|</Project>|  <ItemGroup><PackageReference Include=\"MlBuild\" Version=\"$version\" PrivateAssets=\"all\" /></ItemGroup>\n</Project>|" "$ws/ChurnData/ChurnData.csproj"
  fi
  NUGET_PACKAGES="$work/packages" dotnet build "$ws/ChurnData" -nodeReuse:false -tl:off -v:q >/dev/null
done

cmd() { echo "dotnet build $work/$1/ChurnData --no-restore -nodeReuse:false -tl:off -v:q"; }
if [ -z "$skip_timing" ]; then
echo "up-to-date build, $runs alternating runs each (ms):"
for i in $(seq "$runs"); do
  for variant in with without; do
    start=$(date +%s%N); NUGET_PACKAGES="$work/packages" $(cmd $variant) >/dev/null; end=$(date +%s%N)
    echo "$variant $(( (end - start) / 1000000 ))"
  done
done | awk '{ s[$1]+=$2; n[$1]++; v[$1]=v[$1] " " $2 } END { for (k in s) printf "%-8s mean %6.1f ms  runs:%s\n", k, s[k]/n[k], v[k] }'
fi

# Wall-clock noise on a shared 2-core machine is larger than MlBuild's cost; MSBuild's own timing is exact.
echo "MlBuild targets and tasks in one up-to-date build (MSBuild performance summary):"
NUGET_PACKAGES="$work/packages" $(cmd with) -clp:PerformanceSummary -v:n | grep -E 'MlBuild|Touch|MakeDir|Delete' | grep -E ' ms ' || true

if [ -z "$skip_timing" ] && command -v hyperfine >/dev/null; then
  NUGET_PACKAGES="$work/packages" hyperfine -N -w 2 -r "$runs" "$(cmd with)" "$(cmd without)"
fi
rm -rf "$work"
