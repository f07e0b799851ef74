using System.Globalization;
using System.Text.RegularExpressions;

namespace MlBuild.Core.Registry;

/// <summary>Validation of model names, aliases, versions and references; names become store keys, so no path traversal.</summary>
public static partial class RegistryNames
{
    // \z, not $: '$' also matches before a final newline, which would let "prod\n" through.
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,99}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>True when <paramref name="name"/> is a valid model or alias name.</summary>
    public static bool IsValid(string? name) =>
        name is not null && NamePattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>Throws MLB6001 unless <paramref name="name"/> is valid.</summary>
    public static string Check(string? name, string what)
    {
        if (!IsValid(name))
            throw RegistryCodes.Error(RegistryCodes.InvalidName,
                $"{what} '{Diagnostics.DiagnosticText.Escape(name)}' is not valid: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'.");
        return name!;
    }

    /// <summary>Parses a positive version number, or returns null.</summary>
    public static int? TryParseVersion(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;

    /// <summary>Parses <c>NAME</c>, <c>NAME@VERSION</c> or <c>NAME@ALIAS</c>.</summary>
    public static ModelReference ParseReference(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0) return new ModelReference(Check(text, "Model name"), null, null);
        var name = Check(text[..at], "Model name");
        var rest = text[(at + 1)..];
        if (TryParseVersion(rest) is int v) return new ModelReference(name, v, null);
        if (IsValid(rest) && !char.IsAsciiDigit(rest[0])) return new ModelReference(name, null, rest);
        throw RegistryCodes.Error(RegistryCodes.InvalidReference,
            $"'{Diagnostics.DiagnosticText.Escape(text)}' is not a model reference: use NAME, NAME@VERSION (a positive number) or NAME@ALIAS.");
    }
}

/// <summary>A parsed model reference: a name with an optional version or alias.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Version">Version number, when given.</param>
/// <param name="Alias">Alias, when given.</param>
public sealed record ModelReference(string Name, int? Version, string? Alias);
