using System.Diagnostics;
using System.Globalization;

namespace MlBuild.Core.Registry;

/// <summary>
/// Test hook: with <c>MLBUILD_REGISTRY_KILL_AT=POINT[#N]</c> in the environment the process kills itself (SIGKILL,
/// no cleanup, no finally blocks) the Nth time it reaches the named point. The crash tests use it to stop a
/// register or promote at every step of its write path. Without the variable this costs one field read.
/// </summary>
internal static class FaultInjection
{
    private static readonly string? Point;
    private static readonly int Count;
    private static int _hits;

    static FaultInjection()
    {
        var spec = Environment.GetEnvironmentVariable("MLBUILD_REGISTRY_KILL_AT");
        if (string.IsNullOrEmpty(spec)) return;
        var hash = spec.IndexOf('#', StringComparison.Ordinal);
        Point = hash < 0 ? spec : spec[..hash];
        Count = hash < 0 ? 1 : int.Parse(spec[(hash + 1)..], CultureInfo.InvariantCulture);
    }

    public static void Hit(string point)
    {
        if (Point is null || !string.Equals(Point, point, StringComparison.Ordinal)) return;
        if (Interlocked.Increment(ref _hits) == Count)
            Process.GetCurrentProcess().Kill(); // SIGKILL on Unix
    }
}
