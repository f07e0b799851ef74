using MlBuild.Core.Diagnostics;
using CoreRequest = MlBuild.Core.Reports.EngineRequest;

namespace MlBuild.Tasks.Tests;

/// <summary>The task writes the request by hand (netstandard2.0); the engine reads it with MlBuild.Core's EngineRequest.</summary>
public sealed class EngineRequestContractTests : IDisposable
{
    readonly string _path = Path.Combine(Path.GetTempPath(), $"mlbuild-request-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Engine_reads_what_the_task_writes_including_escapes_and_non_ascii_names()
    {
        var train = new RequestDataset("train \"v2\"", "C:\\data\\train.schema.json");
        train.Files.Add("data/part-1.csv");
        train.Files.Add("data/tab\there\u0001 é€😀.csv");
        var holdout = new RequestDataset("holdout", "schemas/holdout.schema.json");
        holdout.Files.Add("/abs/path/holdout.parquet");
        File.WriteAllText(_path, EngineRequest.ToJson("/home/u/my proj\\x", [train, holdout], "/home/u/my proj/obj/mlbuild/", maxLocationsPerCheck: 12));

        var read = CoreRequest.Read(_path);

        Assert.Equal("/home/u/my proj\\x", read.ProjectDirectory);
        Assert.Equal("/home/u/my proj/obj/mlbuild/", read.ReportDirectory);
        Assert.Equal(12, read.MaxLocationsPerCheck);
        Assert.Equal(
            [("train \"v2\"", "data/part-1.csv|data/tab\there\u0001 é€😀.csv", "C:\\data\\train.schema.json"),
             ("holdout", "/abs/path/holdout.parquet", "schemas/holdout.schema.json")],
            read.Datasets.Select(d => (d.Name, string.Join("|", d.Files), d.Schema)));
    }

    [Fact]
    public void Engine_reads_a_request_without_report_directory()
    {
        var set = new RequestDataset("d", "s.json");
        set.Files.Add("d.csv");
        File.WriteAllText(_path, EngineRequest.ToJson("/p", [set]));

        var read = CoreRequest.Read(_path);

        Assert.Null(read.ReportDirectory);
        Assert.Equal(5, read.MaxLocationsPerCheck);
        Assert.Equal("d.csv", Assert.Single(Assert.Single(read.Datasets).Files));
    }

    [Fact]
    public void Engine_reads_the_reference_the_pipeline_file_and_the_lock_settings()
    {
        var set = new RequestDataset("train", "s.json") { Reference = "data/train \"ref\".profile.json" };
        set.Files.Add("d.csv");
        var plain = new RequestDataset("other", "s.json");
        plain.Files.Add("o.csv");
        var settings = new RequestSettings { PipelineFile = "/p/mlbuild.json", LockFile = "/p/mlbuild.lock.json", LockedMode = true, InputsFile = "/p/obj/inputs" };
        File.WriteAllText(_path, EngineRequest.ToJson("/p", [set, plain], settings: settings));

        var read = CoreRequest.Read(_path);

        Assert.Equal(("/p/mlbuild.json", "/p/mlbuild.lock.json", true, "/p/obj/inputs"), (read.PipelineFile, read.LockFile, read.LockedMode, read.InputsFile));
        Assert.Equal(["data/train \"ref\".profile.json", null], read.Datasets.Select(d => d.Reference));

        File.WriteAllText(_path, EngineRequest.ToJson("/p", [plain]));
        var without = CoreRequest.Read(_path);
        Assert.Equal((null, null, false, null), (without.PipelineFile, without.LockFile, without.LockedMode, without.InputsFile));
        Assert.True(without.CheckRelations);
        Assert.True(read.CheckRelations);

        File.WriteAllText(_path, EngineRequest.ToJson("/p", [plain], settings: new RequestSettings { CheckRelations = false }));
        Assert.False(CoreRequest.Read(_path).CheckRelations);
    }

    [Fact]
    public void Engine_reads_where_an_item_is_declared_its_relations_metadata_and_the_levels()
    {
        var train = new RequestDataset("train", "s.json") { Role = "train", Label = "y \"1\"", Key = "id;region", DefinedAt = new ProjectLocation("/p/app.csproj", 12, 6) };
        train.Files.Add("d.csv");
        var plain = new RequestDataset("other", "s.json");
        plain.Files.Add("o.csv");
        File.WriteAllText(_path, EngineRequest.ToJson("/p", [train, plain], settings: new RequestSettings { RelationsLeakage = "warning", RelationsDuplicates = "off" }));

        var read = CoreRequest.Read(_path);

        Assert.Equal(("off", null, "warning"), (read.RelationsDuplicates, read.RelationsConflictingLabels, read.RelationsLeakage));
        Assert.Equal(new MlBuild.Core.Reports.ItemRelations("train", "y \"1\"", "id;region", ""), read.Datasets[0].Relations);
        Assert.Equal(new MlBuild.Core.Models.Gates.SourcePosition("/p/app.csproj", 12, 6), read.Datasets[0].DefinedAt);
        Assert.Null(read.Datasets[1].Relations);
        Assert.Null(read.Datasets[1].DefinedAt);
    }

    [Theory]
    [InlineData("{\"formatVersion\":2,\"projectDirectory\":\"/p\",\"datasets\":[]}")]
    [InlineData("{\"projectDirectory\":\"/p\",\"datasets\":[]}")]
    [InlineData("{\"formatVersion\":1,\"projectDirectory\":\"/p\",\"datasets\":[{\"name\":\"d\"}]}")]
    [InlineData("not json")]
    [InlineData("{\"formatVersion\":1,\"projectDirectory\":\"/p\",\"maxLocationsPerCheck\":0,\"datasets\":[]}")]
    public void Engine_refuses_another_version_or_shape_with_MLB9003(string text)
    {
        File.WriteAllText(_path, text);

        var ex = Assert.Throws<MlBuildException>(() => CoreRequest.Read(_path));

        Assert.Equal("MLB9003", ex.Diagnostic.Code);
        Assert.Equal(_path, ex.Diagnostic.File);
    }

    [Fact]
    public void Task_writes_the_format_version_the_engine_reads()
    {
        Assert.Equal(CoreRequest.FormatVersion, EngineRequest.FormatVersion);
    }
}
