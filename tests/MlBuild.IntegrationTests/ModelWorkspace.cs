using System.Text;
using System.Xml.Linq;

namespace MlBuild.IntegrationTests;

/// <summary>
/// What the `dotnet test` tests of samples/ChurnModel copies share: edits of mlbuild.json, where a key sits in it, the
/// restored package's `dotnet ml`, the TRX and JUnit files, and a user's own C# training project.
/// </summary>
static class ModelWorkspace
{
    public const string Pipeline = "mlbuild.json";
    public const string TrxFile = "TestResults/ChurnModel.mlbuild.trx";
    public const string JUnitFile = "TestResults/ChurnModel.mlbuild.junit.xml";
    public static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    /// <summary>Replaces one exact piece of mlbuild.json (it must be there once).</summary>
    public static void EditPipeline(SampleWorkspace ws, string from, string to)
    {
        var text = File.ReadAllText(ws.PathOf(Pipeline));
        Assert.Equal(1, CountOf(text, from));
        File.WriteAllText(ws.PathOf(Pipeline), text.Replace(from, to, StringComparison.Ordinal), new UTF8Encoding(false));
    }

    static int CountOf(string text, string piece)
    {
        int count = 0;
        for (int i = text.IndexOf(piece, StringComparison.Ordinal); i >= 0; i = text.IndexOf(piece, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>The 1-based line and column in mlbuild.json of <paramref name="start"/> on the line that holds <paramref name="marker"/>.</summary>
    public static (int Line, int Column) At(SampleWorkspace ws, string marker, string start)
    {
        var lines = File.ReadAllLines(ws.PathOf(Pipeline));
        int index = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.True(index >= 0, $"'{marker}' is not in {Pipeline}");
        int column = lines[index].IndexOf(start, StringComparison.Ordinal);
        Assert.True(column >= 0, $"'{start}' is not on the line of '{marker}'");
        return (index + 1, column + 1);
    }

    /// <summary>The gate object (its opening brace) on the line that holds <paramref name="marker"/>.</summary>
    public static (int Line, int Column) GateAt(SampleWorkspace ws, string marker) => At(ws, marker, "{");

    /// <summary>`dotnet ml ARGS` with the engine of the package the sample restored (a `dotnet test` restores it).</summary>
    public static DotnetRun Ml(PackagesFixture packages, ITestOutputHelper output, SampleWorkspace ws, params string[] args)
    {
        var engine = Path.Combine(packages.PackagesFolder, "mlbuild", packages.Version.ToLowerInvariant(), "tools", "net10.0", "mlbuild.dll");
        Assert.True(File.Exists(engine), $"the restored package has no engine at {engine}");
        var run = Dotnet.Run(ws.ProjectDirectory, packages.ConsumerEnvironment(), TimeSpan.FromMinutes(3), ["exec", engine, .. args]);
        output.WriteLine(run.ToString());
        return run;
    }

    /// <summary>The TRX file's results, test name to outcome, in file order.</summary>
    public static IReadOnlyList<(string Name, string Outcome, string Message)> TrxResults(SampleWorkspace ws)
    {
        var trx = XDocument.Load(ws.PathOf(TrxFile));
        return trx.Root!.Element(Trx + "Results")!.Elements(Trx + "UnitTestResult")
            .Select(r => ((string)r.Attribute("testName")!, (string)r.Attribute("outcome")!,
                r.Descendants(Trx + "Message").FirstOrDefault()?.Value ?? ""))
            .ToList();
    }

    /// <summary>The JUnit file's test cases: the gate's name and the code of its failure (null: it passed).</summary>
    public static IReadOnlyList<(string Name, string? Failure)> JUnitCases(SampleWorkspace ws)
    {
        var junit = XDocument.Load(ws.PathOf(JUnitFile));
        return junit.Descendants("testcase")
            .Select(c => ((string)c.Attribute("name")!, (string?)(c.Element("failure") ?? c.Element("error"))?.Attribute("type")))
            .ToList();
    }

    /// <summary>No .NET stack trace and no exception type name in the output: a user mistake is a coded line.</summary>
    public static void NoStackTrace(DotnetRun run)
    {
        Assert.DoesNotMatch(@"(?m)^\s+at [A-Z][\w.]+\.\w+[(<]", run.Output);
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("MlBuild.Core.", run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A team's own training project (a C# console app on ML.NET from the feed) in <paramref name="folder"/>:
    /// <c>Trainer TRAIN_CSV MODEL_FILE</c> trains a logistic regression on the CSV, by header names, and saves an ML.NET
    /// zip, or an ONNX model (Microsoft.ML.OnnxConverter) when the file ends in .onnx. It refuses a CSV without a column
    /// it needs with exit code 3, as a real script would.
    /// </summary>
    public static void WriteTrainerProject(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Trainer.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.ML" Version="6.0.0" />
                <PackageReference Include="Microsoft.ML.OnnxConverter" Version="0.24.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), """
            using Microsoft.ML;
            using Microsoft.ML.Data;

            // Usage: Trainer TRAIN_CSV MODEL_FILE (the seed comes from MLBUILD_SEED when MlBuild runs it).
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: Trainer TRAIN_CSV MODEL_FILE");
                return 2;
            }
            var seed = int.Parse(Environment.GetEnvironmentVariable("MLBUILD_SEED") ?? "42");
            var header = File.ReadLines(args[0]).First().Split(',');
            string[] numbers = ["age", "tenure_months", "monthly_charges", "support_calls"];
            string[] categories = ["plan", "contract"];
            var missing = numbers.Concat(categories).Append("churned").Where(c => Array.IndexOf(header, c) < 0).ToList();
            if (missing.Count > 0)
            {
                Console.Error.WriteLine($"Trainer: {args[0]} has no column {string.Join(", ", missing)}; cannot train.");
                return 3;
            }

            var ml = new MLContext(seed: seed);
            TextLoader.Column Col(string name, DataKind kind) => new(name, kind, Array.IndexOf(header, name));
            var data = ml.Data.CreateTextLoader(new TextLoader.Options
            {
                Separators = [','], HasHeader = true,
                Columns = [.. numbers.Select(n => Col(n, DataKind.Single)), .. categories.Select(c => Col(c, DataKind.String)), Col("churned", DataKind.Boolean)],
            }).Load(args[0]);
            var model = ml.Transforms.Categorical.OneHotEncoding([.. categories.Select(c => new InputOutputColumnPair(c + "_1h", c))])
                .Append(ml.Transforms.Concatenate("Features", [.. numbers, .. categories.Select(c => c + "_1h")]))
                .Append(ml.Transforms.NormalizeMeanVariance("Features"))
                .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: "churned"))
                .Fit(data);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[1]))!);
            if (args[1].EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                using var file = File.Create(args[1]);
                ml.Model.ConvertToOnnx(model, data, file);
            }
            else
            {
                ml.Model.Save(model, data.Schema, args[1]);
            }
            Console.WriteLine($"Trainer: trained on {File.ReadLines(args[0]).Count() - 1} rows with seed {seed}");
            return 0;
            """);
    }
}
