namespace MlBuild.Tasks.Tests;

/// <summary>A fact that needs a POSIX shell (the fake engine is a shell script standing in for `dotnet`).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "The fake engine is a POSIX shell script.";
    }
}
