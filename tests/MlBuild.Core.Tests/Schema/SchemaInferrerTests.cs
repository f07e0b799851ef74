using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Tests.Parquet;
using global::Parquet.Schema;

namespace MlBuild.Core.Tests.Schema;

public class SchemaInferrerTests
{
    [Fact]
    public void Inferred_schema_types_columns_conservatively_and_accepts_its_own_data()
    {
        using var dir = new TempDir();
        var sb = new StringBuilder("customer_id,age,plan,signup,score,active,comment\n");
        for (int i = 1; i <= 200; i++)
            sb.Append($"{i},{20 + i % 50},{(i % 3 == 0 ? "pro" : "basic")},2024-01-{1 + i % 28:00},{i / 7.0:0.###},{(i % 2 == 0 ? "true" : "false")},{(i % 5 == 0 ? "" : "text " + i)}\n");
        dir.Write("train.csv", sb.ToString());
        var (schema, json) = SchemaInferrer.Infer("train", ["train.csv"], dir.Path);
        var byName = schema.Columns.ToDictionary(c => c.Name);
        Assert.Equal(ColumnType.Integer, byName["customer_id"].Type);
        Assert.True(byName["customer_id"].Unique);
        Assert.Equal(ColumnType.Integer, byName["age"].Type);
        Assert.Equal(20, byName["age"].Min!.Value);
        Assert.Equal(ColumnType.Category, byName["plan"].Type);
        Assert.Equal(["basic", "pro"], byName["plan"].Allowed);
        Assert.Equal(ColumnType.Date, byName["signup"].Type);
        Assert.Equal(ColumnType.Float, byName["score"].Type);
        Assert.Equal(ColumnType.Boolean, byName["active"].Type);
        Assert.Equal(ColumnType.String, byName["comment"].Type);
        Assert.True(byName["comment"].Nullable);
        Assert.False(byName["age"].Nullable);

        // The written JSON loads back and the data validates clean against it.
        var reloaded = SchemaLoader.Parse(Encoding.UTF8.GetBytes(json), "train.schema.json");
        var result = DatasetValidator.Validate(new DatasetRequest("train", ["train.csv"], reloaded, dir.Path));
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void A_Parquet_file_gets_its_columns_types_and_its_text_columns_are_inferred_like_CSV()
    {
        // Typed columns keep their Parquet type (with bounds and nullability from the data); text columns are read as
        // text and may still become numbers, dates or categories.
        using var dir = new TempFolder();
        int n = 300;
        ParquetTestFiles.Write(dir.File("train.parquet"),
            new TestColumn(new DataField<long>("customer_id"), Enumerable.Range(1, n).Select(i => (long)i).ToArray()),
            new TestColumn(new DataField<double?>("score"), Enumerable.Range(1, n).Select(i => i % 10 == 0 ? (double?)null : i / 8.0).ToArray()),
            new TestColumn(new DataField<bool?>("active"), Enumerable.Range(1, n).Select(i => (bool?)(i % 2 == 0)).ToArray()),
            new TestColumn(new DataField<DateTime>("seen"), Enumerable.Range(1, n).Select(i => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i)).ToArray()),
            new TestColumn(new DataField<string>("plan"), Enumerable.Range(1, n).Select(i => i % 3 == 0 ? "pro" : "basic").ToArray()),
            new TestColumn(new DataField<string>("age_text"), Enumerable.Range(1, n).Select(i => (20 + i % 50).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()));
        var (schema, json) = SchemaInferrer.Infer("train", ["train.parquet"], dir.Path);
        var byName = schema.Columns.ToDictionary(c => c.Name);
        Assert.Equal(ColumnType.Integer, byName["customer_id"].Type);
        Assert.Equal(1, byName["customer_id"].Min!.Value);
        Assert.Equal(n, byName["customer_id"].Max!.Value);
        Assert.Equal(ColumnType.Float, byName["score"].Type);
        Assert.True(byName["score"].Nullable);
        Assert.Equal(ColumnType.Boolean, byName["active"].Type);
        Assert.Equal(ColumnType.DateTime, byName["seen"].Type);
        Assert.Equal(ColumnType.Category, byName["plan"].Type);
        Assert.Equal(["basic", "pro"], byName["plan"].Allowed);
        Assert.Equal(ColumnType.Integer, byName["age_text"].Type);
        Assert.Equal(20, byName["age_text"].Min!.Value);

        // The written JSON loads back and the file validates clean against it.
        var reloaded = SchemaLoader.Parse(Encoding.UTF8.GetBytes(json), "train.schema.json");
        var result = DatasetValidator.Validate(new DatasetRequest("train", ["train.parquet"], reloaded, dir.Path));
        Assert.Empty(result.InputErrors);
        Assert.Equal(0, result.ExitCode);
    }
}
