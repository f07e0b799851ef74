namespace MlBuild.IntegrationTests;

/// <summary>
/// Keeps the run directory (binlogs, worker logs, workspaces) when a test does not reach <see cref="Passed"/>:
/// `using var guard = new TestGuard(fixture); ... guard.Passed();`.
/// </summary>
public sealed class TestGuard(PackagesFixture fixture, ITestOutputHelper output) : IDisposable
{
    bool _passed;

    public void Passed() => _passed = true;

    public void Dispose()
    {
        if (_passed) return;
        fixture.KeepRunDirectory = true;
        output.WriteLine($"Test failed: binlogs and workspaces kept under {fixture.RunDirectory}");
    }
}
