using MlBuild.Core.Data.Schema;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;
using global::Parquet.Meta;
using global::Parquet.Schema;
using PType = global::Parquet.Meta.Type;

namespace MlBuild.Core.Data.Parquet;

/// <summary>How a Parquet column's values are stored (physical type plus the logical annotation that changes their meaning).</summary>
internal enum ParquetKind
{
    Int32, UInt32, Int64, UInt64, Float, Double, Boolean, Decimal,
    /// <summary>INT32 DATE: days since 1970-01-01.</summary>
    Date32,
    TimestampMillis, TimestampMicros, TimestampNanos,
    /// <summary>Legacy INT96 timestamp (Impala, Spark).</summary>
    Int96,
    /// <summary>BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY read as UTF-8 text (STRING, ENUM, JSON, or no annotation).</summary>
    Text,
    /// <summary>FIXED_LEN_BYTE_ARRAY(2) FLOAT16.</summary>
    Float16,
    /// <summary>Anything else (TIME, INTERVAL, UUID...): readable by no schema type.</summary>
    Unsupported,
}

/// <summary>A schema column bound to the Parquet field that feeds it in one file.</summary>
internal sealed class ParquetColumnBinding
{
    public required ColumnPlan Plan { get; init; }
    /// <summary>The field as the file declares it.</summary>
    public required DataField FileField { get; init; }
    /// <summary>A field of the same path whose CLR type is the physical one we decode into (attached to a private schema).</summary>
    public required DataField ReadField { get; init; }
    public required ParquetKind Kind { get; init; }
    /// <summary>Whether the values go through the UTF-8 entry table (strings, and text declared as another type).</summary>
    public bool IsText => Kind is ParquetKind.Text or ParquetKind.Float16;
    public ColumnType Target => Plan.Schema.Type;

    public static ParquetKind Classify(SchemaElement se)
    {
        var lt = se.LogicalType;
        var ct = se.ConvertedType;
        switch (se.Type)
        {
            case PType.BOOLEAN: return ParquetKind.Boolean;
            case PType.FLOAT: return ParquetKind.Float;
            case PType.DOUBLE: return ParquetKind.Double;
            case PType.INT96: return ParquetKind.Int96;
            case PType.INT32:
                if (lt?.DECIMAL is not null || ct == ConvertedType.DECIMAL) return ParquetKind.Decimal;
                if (lt?.DATE is not null || ct == ConvertedType.DATE) return ParquetKind.Date32;
                if (lt?.TIME is not null || ct is ConvertedType.TIME_MILLIS) return ParquetKind.Unsupported;
                if ((lt?.INTEGER is { IsSigned: false }) || ct is ConvertedType.UINT_8 or ConvertedType.UINT_16 or ConvertedType.UINT_32)
                    return ParquetKind.UInt32;
                return ParquetKind.Int32;
            case PType.INT64:
                if (lt?.DECIMAL is not null || ct == ConvertedType.DECIMAL) return ParquetKind.Decimal;
                if (lt?.TIMESTAMP is { } ts)
                    return ts.Unit.MILLIS is not null ? ParquetKind.TimestampMillis
                        : ts.Unit.MICROS is not null ? ParquetKind.TimestampMicros
                        : ts.Unit.NANOS is not null ? ParquetKind.TimestampNanos : ParquetKind.Unsupported;
                if (ct == ConvertedType.TIMESTAMP_MILLIS) return ParquetKind.TimestampMillis;
                if (ct == ConvertedType.TIMESTAMP_MICROS) return ParquetKind.TimestampMicros;
                if (lt?.TIME is not null || ct is ConvertedType.TIME_MICROS) return ParquetKind.Unsupported;
                if ((lt?.INTEGER is { IsSigned: false }) || ct == ConvertedType.UINT_64) return ParquetKind.UInt64;
                return ParquetKind.Int64;
            case PType.BYTE_ARRAY:
                if (lt?.DECIMAL is not null || ct == ConvertedType.DECIMAL) return ParquetKind.Decimal;
                if (lt?.BSON is not null || ct == ConvertedType.BSON) return ParquetKind.Unsupported;
                return ParquetKind.Text;
            case PType.FIXED_LEN_BYTE_ARRAY:
                if (lt?.DECIMAL is not null || ct == ConvertedType.DECIMAL) return ParquetKind.Decimal;
                if (lt?.FLOAT16 is not null && se.TypeLength == 2) return ParquetKind.Float16;
                if (lt?.UUID is not null || ct == ConvertedType.INTERVAL) return ParquetKind.Unsupported;
                return ParquetKind.Text;
            default: return ParquetKind.Unsupported;
        }
    }

    /// <summary>Whether values of <paramref name="kind"/> can be read as <paramref name="target"/> (cell by cell where a value may not fit).</summary>
    public static bool Compatible(ParquetKind kind, ColumnType target) => target switch
    {
        ColumnType.Integer => kind is ParquetKind.Int32 or ParquetKind.UInt32 or ParquetKind.Int64 or ParquetKind.UInt64
            or ParquetKind.Decimal or ParquetKind.Float or ParquetKind.Double or ParquetKind.Text,
        ColumnType.Float => kind is ParquetKind.Int32 or ParquetKind.UInt32 or ParquetKind.Int64 or ParquetKind.UInt64
            or ParquetKind.Decimal or ParquetKind.Float or ParquetKind.Double or ParquetKind.Float16 or ParquetKind.Text,
        ColumnType.Boolean => kind is ParquetKind.Boolean or ParquetKind.Int32 or ParquetKind.UInt32 or ParquetKind.Int64
            or ParquetKind.UInt64 or ParquetKind.Text,
        ColumnType.String or ColumnType.Category => kind is ParquetKind.Text,
        ColumnType.Date => kind is ParquetKind.Date32 or ParquetKind.TimestampMillis or ParquetKind.TimestampMicros
            or ParquetKind.TimestampNanos or ParquetKind.Int96 or ParquetKind.Text,
        ColumnType.DateTime => kind is ParquetKind.Date32 or ParquetKind.TimestampMillis or ParquetKind.TimestampMicros
            or ParquetKind.TimestampNanos or ParquetKind.Int96 or ParquetKind.Text,
        _ => false,
    };

    /// <summary>The CLR type Parquet.Net decodes <paramref name="kind"/> into for us.</summary>
    static System.Type ReadType(ParquetKind kind) => kind switch
    {
        ParquetKind.Int32 or ParquetKind.UInt32 or ParquetKind.Date32 => typeof(int),
        ParquetKind.Int64 or ParquetKind.UInt64 or ParquetKind.TimestampMillis or ParquetKind.TimestampMicros
            or ParquetKind.TimestampNanos => typeof(long),
        ParquetKind.Float => typeof(float),
        ParquetKind.Double => typeof(double),
        ParquetKind.Boolean => typeof(bool),
        ParquetKind.Decimal => typeof(decimal),
        ParquetKind.Int96 => typeof(DateTime),
        _ => typeof(byte[]),
    };

    static string Describe(SchemaElement se)
    {
        var text = se.Type?.ToString() ?? "group";
        if (se.LogicalType is { } lt)
        {
            string? name = lt.STRING is not null ? "STRING" : lt.DECIMAL is not null ? "DECIMAL" : lt.DATE is not null ? "DATE"
                : lt.TIME is not null ? "TIME" : lt.TIMESTAMP is not null ? "TIMESTAMP" : lt.INTEGER is not null ? "INTEGER"
                : lt.UUID is not null ? "UUID" : lt.JSON is not null ? "JSON" : lt.ENUM is not null ? "ENUM" : lt.FLOAT16 is not null ? "FLOAT16" : null;
            if (name is not null) return $"{text} ({name})";
        }
        return se.ConvertedType is { } ct ? $"{text} ({ct})" : text;
    }

    /// <summary>
    /// Binds every schema column the validator mapped to this file (<see cref="ColumnPlan.DataPosition"/> &gt; 0) to its
    /// Parquet field; MLB1203 for a nested or repeated field, MLB1202 for a type that cannot be read as the schema's.
    /// </summary>
    public static ParquetColumnBinding[] Bind(ValidationPlan plan, ParquetSchema schema, string displayPath)
    {
        var bindings = new List<ParquetColumnBinding>();
        foreach (var p in plan.Columns)
        {
            if (p.DataPosition <= 0) continue;
            if (p.DataPosition > schema.Fields.Count)
                throw new ArgumentException($"Column '{p.Schema.Name}' is mapped to position {p.DataPosition}, but '{displayPath}' has {schema.Fields.Count} columns.");
            var field = schema.Fields[p.DataPosition - 1];
            if (field is not DataField df || df.IsArray || df.MaxRepetitionLevel > 0 || df.MaxDefinitionLevel > 1)
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ParquetNestedColumn, MlSeverity.Error,
                    $"Column '{field.Name}' of '{displayPath}' is a nested or repeated Parquet field ({field.SchemaType.ToString().ToLowerInvariant()}); " +
                    "MlBuild validates flat columns only. Flatten the column, or remove it from the schema and set \"extraColumns\" to \"ignore\".",
                    displayPath));
            var se = df.SchemaElement ?? throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ParquetUnreadable, MlSeverity.Error,
                $"'{displayPath}' is not a readable Parquet file: column '{field.Name}' has no schema element.", displayPath));
            var kind = Classify(se);
            if (!Compatible(kind, p.Schema.Type))
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.ParquetTypeMismatch, MlSeverity.Error,
                    $"Column '{field.Name}' of '{displayPath}' is Parquet {Describe(se)}, which cannot be read as schema type " +
                    $"{p.Schema.Type.ToString().ToLowerInvariant()}. Declare the column's type to match the data (see docs/parquet.md) or convert the column.",
                    displayPath));
            var readField = new DataField(df.Name, ReadType(kind), isNullable: df.MaxDefinitionLevel > 0);
            _ = new ParquetSchema(readField); // attaches the field (path, levels) so Parquet.Net accepts it
            bindings.Add(new ParquetColumnBinding { Plan = p, FileField = df, ReadField = readField, Kind = kind });
        }
        return [.. bindings];
    }
}
