using System.Text;

namespace MlBuild.Cli.Tests;

/// <summary>
/// A fresh working folder per test and the verbs run in-process through <see cref="CliApp.Run"/> in it, exactly as
/// `dotnet ml` runs them, with standard output and error captured.
/// </summary>
public abstract class CliWorkspace : IDisposable
{
    /// <summary>The test's working folder, deleted after the test.</summary>
    protected readonly string _dir = Directory.CreateTempSubdirectory("mlbuild-cli-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes a file of the working folder as UTF-8 without a byte-order mark.</summary>
    protected void Write(string name, string content) => File.WriteAllText(Path.Combine(_dir, name), content, new UTF8Encoding(false));

    /// <summary>Runs <c>dotnet ml ARGS</c> in the working folder.</summary>
    protected (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = CliApp.Run(args, o, e, _dir);
        return (exit, o.ToString(), e.ToString());
    }
}
