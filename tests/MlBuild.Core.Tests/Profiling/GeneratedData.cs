using System.Globalization;
using System.Text;
using MlBuild.Core.Data.Schema;

namespace MlBuild.Core.Tests.Profiling;

/// <summary>One generated row: a float (normal), an integer (few values), a category (shares a/b/c), a nullable float.</summary>
internal readonly record struct GeneratedRow(long Id, double X, long K, string Cat, double? Z);

/// <summary>Seeded synthetic data for profile and drift tests, written as real CSV files.</summary>
internal static class GeneratedData
{
    public const string SchemaJson = """
    {"schemaVersion": 1, "columns": [
      {"name": "id", "type": "integer"},
      {"name": "x", "type": "float"},
      {"name": "k", "type": "integer"},
      {"name": "cat", "type": "category"},
      {"name": "z", "type": "float"}]}
    """;

    public static DatasetSchema Schema => new()
    {
        Columns =
        [
            new ColumnSchema { Name = "id", Type = ColumnType.Integer },
            new ColumnSchema { Name = "x", Type = ColumnType.Float },
            new ColumnSchema { Name = "k", Type = ColumnType.Integer },
            new ColumnSchema { Name = "cat", Type = ColumnType.Category },
            new ColumnSchema { Name = "z", Type = ColumnType.Float },
        ],
    };

    /// <summary>Rows with x ~ N(10 + shift, 2), k uniform 0..20, cat a/b/c at 50/30/20 % (a moved by catShift), z ~ Exp(1) null at nullRate.</summary>
    public static List<GeneratedRow> Rows(int n, int seed, double shift = 0, double catShift = 0, double nullRate = 0, long firstId = 0)
    {
        var rng = new Random(seed);
        var rows = new List<GeneratedRow>(n);
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            double x = 10 + shift + 2 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            long k = rng.Next(0, 21);
            double u = rng.NextDouble();
            string cat = u < 0.5 + catShift ? "a" : u < 0.8 ? "b" : "c";
            double? z = rng.NextDouble() < nullRate ? null : Math.Round(-Math.Log(1 - rng.NextDouble()), 4);
            rows.Add(new GeneratedRow(firstId + i, Math.Round(x, 6), k, cat, z));
        }
        return rows;
    }

    public static string Csv(IEnumerable<GeneratedRow> rows)
    {
        var sb = new StringBuilder("id,x,k,cat,z\n");
        foreach (var r in rows)
            sb.Append(r.Id).Append(',').Append(r.X.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(r.K).Append(',')
              .Append(r.Cat).Append(',').Append(r.Z?.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }
}
