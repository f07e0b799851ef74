using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Json;
using MlBuild.Core.Models.Gates;
using MlBuild.Core.Models.Training;

namespace MlBuild.Core.Models.External;

/// <summary>The files and values a training command is given (as placeholders in its arguments and as environment variables).</summary>
/// <param name="TrainData">The quick-train sample (CSV).</param>
/// <param name="TestData">The test split (CSV), for the command's own checks; MlBuild evaluates on it again.</param>
/// <param name="ModelOutput">Where the command must write its model.</param>
/// <param name="Seed">The model's seed.</param>
/// <param name="Label">The label column.</param>
/// <param name="Task">binary, multiclass or regression.</param>
/// <param name="Features">The feature columns (comma-separated in the environment).</param>
public sealed record TrainingCommandInputs(string TrainData, string TestData, string ModelOutput, int Seed, string Label, string Task, IReadOnlyList<string> Features)
{
    /// <summary>The placeholders of <c>model.command</c>'s arguments and the environment variables, in documentation order.</summary>
    public IReadOnlyList<(string Placeholder, string Variable, string Value)> Values =>
    [
        ("{trainData}", "MLBUILD_TRAIN_DATA", TrainData),
        ("{testData}", "MLBUILD_TEST_DATA", TestData),
        ("{modelOutput}", "MLBUILD_MODEL_OUTPUT", ModelOutput),
        ("{seed}", "MLBUILD_SEED", Seed.ToString(CultureInfo.InvariantCulture)),
        ("{label}", "MLBUILD_LABEL", Label),
        ("{task}", "MLBUILD_TASK", Task),
        ("{features}", "MLBUILD_FEATURES", string.Join(',', Features)),
    ];
}

/// <summary>
/// Runs the user's training command (<c>model.command</c>): no shell, the arguments as listed with the placeholders
/// replaced, the same values in <c>MLBUILD_*</c> environment variables, bounded by a timeout that stops the command
/// and its children. A failure is MLB3416-3419 at the command in the pipeline file, with its last lines of output.
/// </summary>
public static class TrainingCommand
{
    /// <summary>Lines of the command's output kept for a failure message.</summary>
    public const int TailLines = 15;

    /// <summary>Runs the command; returns its output lines (the last <see cref="TailLines"/>) when it exits with 0 and wrote the model.</summary>
    public static IReadOnlyList<string> Run(TrainingCommandSpec spec, TrainingCommandInputs inputs, string baseDirectory, Action<string>? progress = null)
    {
        var at = spec.Position;
        var workingDirectory = spec.WorkingDirectory is null ? baseDirectory : Path.GetFullPath(spec.WorkingDirectory, baseDirectory);
        if (!Directory.Exists(workingDirectory))
            throw Error(DiagnosticCodes.TrainingCommandNotStarted, $"model.command.workingDirectory '{spec.WorkingDirectory}' does not exist.", at);
        var start = new ProcessStartInfo
        {
            FileName = Replace(spec.Run[0], inputs),
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in spec.Run.Skip(1)) start.ArgumentList.Add(Replace(a, inputs));
        foreach (var (_, variable, value) in inputs.Values) start.Environment[variable] = value;
        // Started from a build (the engine under MSBuild), these would point a nested `dotnet run` at the outer build's
        // MSBuild and SDK instead of its own.
        foreach (var variable in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
            start.Environment.Remove(variable);

        var tail = new Queue<string>();
        void Keep(string? line)
        {
            if (line is null) return;
            lock (tail)
            {
                tail.Enqueue(line);
                while (tail.Count > TailLines) tail.Dequeue();
            }
        }
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        progress?.Invoke($"running {string.Join(' ', spec.Run)}");
        try
        {
            if (!process.Start()) throw new Win32Exception();
        }
        catch (Win32Exception ex)
        {
            throw Error(DiagnosticCodes.TrainingCommandNotStarted, $"The training command '{spec.Run[0]}' could not be started ({ex.Message}); it is looked up on PATH and run in '{workingDirectory}'.", at);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromSeconds(spec.TimeoutSeconds)))
        {
            // Stop the command with everything it started (a `dotnet run` leaves the built program as a child).
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            throw Error(DiagnosticCodes.TrainingCommandTimedOut,
                $"The training command ran longer than {spec.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s (model.command.timeoutSeconds) and was stopped.{Tail(tail)}", at);
        }
        process.WaitForExit(); // drains the redirected output
        if (process.ExitCode != 0)
            throw Error(DiagnosticCodes.TrainingCommandFailed,
                $"The training command exited with code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}.{Tail(tail)}", at);
        if (!File.Exists(inputs.ModelOutput))
            throw Error(DiagnosticCodes.TrainingCommandNoModel,
                $"The training command exited with 0 but wrote no model at MLBUILD_MODEL_OUTPUT ({{modelOutput}}); save the model there.{Tail(tail)}", at);
        lock (tail) return [.. tail];
    }

    static string Tail(Queue<string> tail)
    {
        lock (tail)
            return tail.Count == 0 ? " It printed nothing." : " Its last lines: " + string.Join(" | ", tail.Select(l => l.Trim()).Where(l => l.Length > 0));
    }

    static string Replace(string argument, TrainingCommandInputs inputs)
    {
        foreach (var (placeholder, _, value) in inputs.Values)
            argument = argument.Replace(placeholder, value, StringComparison.Ordinal);
        return argument;
    }

    /// <summary>
    /// Writes rows of <paramref name="table"/> as RFC 4180 CSV: a header of <paramref name="columns"/>, then each row's
    /// values as MlBuild decoded them (invariant numbers, <c>true</c>/<c>false</c>, ISO dates; empty where missing).
    /// </summary>
    public static void WriteCsv(string path, TrainingTable table, IReadOnlyList<string> columns, IReadOnlyList<int> rows)
    {
        var cols = columns.Select(c => table[c]).ToArray();
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        writer.WriteLine(string.Join(',', columns.Select(Quote)));
        var line = new StringBuilder();
        foreach (var r in rows)
        {
            line.Clear();
            for (int c = 0; c < cols.Length; c++)
            {
                if (c > 0) line.Append(',');
                line.Append(Quote(cols[c].Text(r) ?? ""));
            }
            writer.WriteLine(line);
        }
    }

    static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    static MlBuildException Error(string code, string message, SourcePosition at) =>
        new(new MlDiagnostic(code, MlSeverity.Error, message, at.File, at.Line, at.Column));
}
