using System.Globalization;
using System.Text;

namespace MlBuild.Core.Tests.Training;

/// <summary>Writes a small synthetic dataset with signal (so a trained model must beat chance), its schema and a pipeline file.</summary>
internal static class TrainingData
{
    public const string Schema = """
    {"schemaVersion": 1, "columns": [
      {"name": "id", "type": "integer", "nullable": false, "unique": true},
      {"name": "x1", "type": "float"},
      {"name": "x2", "type": "integer", "nullable": false},
      {"name": "cat", "type": "category", "allowed": ["a", "b", "c"]},
      {"name": "note", "type": "string"},
      {"name": "day", "type": "date"},
      {"name": "flag", "type": "boolean"},
      {"name": "y_bin", "type": "boolean"},
      {"name": "y_num", "type": "float"},
      {"name": "y_cls", "type": "category"}]}
    """;

    /// <summary>CSV text of <paramref name="rows"/> rows; every 37th x1 is missing. Rows in order of id unless <paramref name="reverse"/>.</summary>
    public static string Csv(int rows, bool reverse = false)
    {
        var random = new Random(1234);
        var lines = new List<string>();
        for (int i = 1; i <= rows; i++)
        {
            double x1 = random.NextDouble();
            int x2 = random.Next(10);
            string cat = "abc"[random.Next(3)].ToString();
            double noise = random.NextDouble() * 0.6 - 0.3;
            double score = x1 + (cat == "a" ? 0.6 : 0) + x2 * 0.03 + noise;
            bool yBin = score > 0.9;
            double yNum = 3 * x1 + 0.5 * x2 + (cat == "a" ? 2 : 0) + noise;
            string yCls = score < 0.6 ? "low" : score < 1.1 ? "mid" : "high";
            string note = yBin ? (random.Next(4) == 0 ? "plain note" : "great customer") : (random.Next(4) == 0 ? "great note" : "plain customer");
            var day = new DateOnly(2024, 1, 1).AddDays(random.Next(365)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            lines.Add(string.Join(',', i, i % 37 == 0 ? "" : x1.ToString("R", CultureInfo.InvariantCulture), x2, cat, note, day,
                random.Next(2) == 0 ? "true" : "false", yBin ? "true" : "false", yNum.ToString("R", CultureInfo.InvariantCulture), yCls));
        }
        if (reverse) lines.Reverse();
        return "id,x1,x2,cat,note,day,flag,y_bin,y_num,y_cls\n" + string.Join('\n', lines) + "\n";
    }

    public static string Pipeline(string task, string trainer, string label, string extraModel = "", string datasets = "") => $$"""
    {
      "datasets": { "train": { "path": "train.csv", "schema": "train.schema.json" } {{datasets}} },
      "model": {
        "name": "m", "task": "{{task}}", "label": "{{label}}", "trainer": "{{trainer}}",
        "features": { "allBut": ["y_bin", "y_num", "y_cls"] },
        "split": { "test": 0.25, "key": "id" },
        "seed": 11 {{extraModel}}
      }
    }
    """;

    public static void WriteAll(TempDir dir, int rows, string pipeline)
    {
        dir.Write("train.csv", Csv(rows));
        dir.Write("train.schema.json", Schema);
        dir.Write("mlbuild.json", pipeline);
    }

    public static string Lines(IEnumerable<Core.Diagnostics.MlDiagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => d.ToCanonicalString()));

    public static byte[] Utf8(string s) => new UTF8Encoding(false).GetBytes(s);
}
