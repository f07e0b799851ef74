using System.Text;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;

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
}
