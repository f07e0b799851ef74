namespace MlBuild.Core.Models;

/// <summary>A model's columns.</summary>
/// <param name="Inputs">Input columns.</param>
/// <param name="Outputs">Output columns.</param>
public sealed record ModelSchema(IReadOnlyList<SchemaColumn> Inputs, IReadOnlyList<SchemaColumn> Outputs);

/// <summary>One column: name and type (for example <c>Single</c>, <c>String</c>, <c>Vector&lt;Single&gt;</c>).</summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">Column type.</param>
public sealed record SchemaColumn(string Name, string Type);
