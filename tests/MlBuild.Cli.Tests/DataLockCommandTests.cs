using System.Security.Cryptography;
using System.Text;

namespace MlBuild.Cli.Tests;

/// <summary>`dotnet ml data lock`: the datasets of mlbuild.json and the project's items, hashed into mlbuild.lock.json.</summary>
public sealed class DataLockCommandTests : CliWorkspace
{
    const string Schema = """{ "schemaVersion": 1, "columns": [ { "name": "id", "type": "integer" }, { "name": "city", "type": "category" } ] }""";

    void Project(string pipelineDatasets, string items = "")
    {
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        Write("data/s.schema.json", Schema);
        Write("mlbuild.json", "// data only\n{ \"datasets\": { " + pipelineDatasets + " } }\n");
        Write("App.csproj", $"<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n{items}  </ItemGroup>\n</Project>\n");
    }

    static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(_dir, name));

    [Fact]
    public void Lock_records_size_sha256_and_md5_of_every_declared_file_in_stable_bytes()
    {
        Project("\"train\": { \"path\": \"data/part-*.csv\", \"schema\": \"data/s.schema.json\" }",
            "    <MlBuildDataset Include=\"data/extra.csv\" Schema=\"data/s.schema.json\" />\n");
        Write("data/part-2.csv", "id,city\n2,Oslo\n");
        Write("data/part-1.csv", "id,city\r\n1,Bergen\r\n");
        Write("data/extra.csv", "id,city\n9,Lima\n");

        var (exit, output, err) = Run("data", "lock");

        Assert.True(exit == 0, output + err);
        Assert.Contains("locked 3 files of 2 datasets in mlbuild.lock.json", output, StringComparison.Ordinal);
        var first = Bytes("mlbuild.lock.json");
        var text = Encoding.UTF8.GetString(first);
        // Datasets and files in ordinal order, each with the hashes of its bytes (CRLF kept: the lock hashes bytes).
        Assert.True(text.IndexOf("\"extra\"", StringComparison.Ordinal) < text.IndexOf("\"train\"", StringComparison.Ordinal), text);
        Assert.True(text.IndexOf("data/part-1.csv", StringComparison.Ordinal) < text.IndexOf("data/part-2.csv", StringComparison.Ordinal), text);
        var part1 = Bytes("data/part-1.csv");
        Assert.Contains($"\"sha256\": \"{Hex(SHA256.HashData(part1))}\"", text, StringComparison.Ordinal);
        Assert.Contains($"\"md5\": \"{Hex(MD5.HashData(part1))}\"", text, StringComparison.Ordinal);
        Assert.Contains($"\"size\": {part1.Length}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);

        // Again, after the files' timestamps and listing order changed: the same bytes.
        File.SetLastWriteTimeUtc(Path.Combine(_dir, "data/part-2.csv"), DateTime.UtcNow.AddHours(-3));
        Assert.Equal(0, Run("data", "lock").Exit);
        Assert.Equal(first, Bytes("mlbuild.lock.json"));
    }

    [Fact]
    public void Lock_check_names_the_changed_file_and_exits_1()
    {
        Project("\"train\": { \"path\": \"data/train.csv\", \"schema\": \"data/s.schema.json\" }");
        Write("data/train.csv", "id,city\n1,Oslo\n");
        Assert.Equal(0, Run("data", "lock").Exit);
        Assert.Equal(0, Run("data", "lock", "--check").Exit);

        Write("data/train.csv", "id,city\n1,Oslo\n2,Rome\n");
        var (exit, _, err) = Run("data", "lock", "--check");

        Assert.Equal(1, exit);
        Assert.Contains("data/train.csv: error MLB1302: 'data/train.csv' of dataset 'train' no longer matches the data lock 'mlbuild.lock.json'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Lock_accepts_a_dvc_file_that_agrees_and_refuses_one_that_does_not()
    {
        Project("\"train\": { \"path\": \"data/train.csv\", \"schema\": \"data/s.schema.json\" }");
        Write("data/train.csv", "id,city\n1,Oslo\n");
        var md5 = Hex(MD5.HashData(Bytes("data/train.csv")));
        // As `dvc add data/train.csv` (DVC 3) writes it.
        Write("data/train.csv.dvc", $"outs:\n- md5: {md5}\n  size: {Bytes("data/train.csv").Length}\n  hash: md5\n  path: train.csv\n");
        var agreed = Run("data", "lock");
        Assert.True(agreed.Exit == 0, agreed.Out + agreed.Err);
        Assert.Contains($"\"md5\": \"{md5}\"", File.ReadAllText(Path.Combine(_dir, "mlbuild.lock.json")), StringComparison.Ordinal);

        // The data changed after `dvc add`: the DVC file disagrees; nothing is written.
        File.Delete(Path.Combine(_dir, "mlbuild.lock.json"));
        Write("data/train.csv", "id,city\n1,Oslo\n2,Rome\n");
        var (exit, _, err) = Run("data", "lock");
        Assert.Equal(1, exit);
        Assert.Contains("data/train.csv.dvc: error MLB1305: 'data/train.csv' does not match its DVC file", err, StringComparison.Ordinal);
        Assert.Contains($"DVC records {md5}", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "mlbuild.lock.json")));
    }

    [Fact]
    public void Lock_reads_dvc2_hashes_of_text_files_with_crlf_as_lf()
    {
        Project("\"train\": { \"path\": \"data/train.csv\", \"schema\": \"data/s.schema.json\" }");
        Write("data/train.csv", "id,city\r\n1,Oslo\r\n");
        // DVC 2 (no `hash: md5` line) hashed text files after turning CRLF into LF.
        var legacy = Hex(MD5.HashData(Encoding.UTF8.GetBytes("id,city\n1,Oslo\n")));
        Write("data/train.csv.dvc", $"outs:\n- md5: {legacy}\n  size: 18\n  path: train.csv\n");

        var (exit, output, err) = Run("data", "lock");

        Assert.True(exit == 0, output + err);
    }

    [Fact]
    public void Lock_without_any_declared_dataset_is_a_coded_usage_error()
    {
        Write("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />\n");

        var (exit, _, err) = Run("data", "lock");

        Assert.Equal(2, exit);
        Assert.Contains("error MLB1307: No dataset to lock", err, StringComparison.Ordinal);
    }
}
