using System.Text.RegularExpressions;
using MlBuild.Core.Reports;

namespace MlBuild.Core.Registry;

/// <summary>
/// Rewrites model references in a deployment manifest (YAML) by a targeted text edit, so comments, quoting and
/// layout stay as they were. A reference is <c>NAME@VERSION</c> or <c>NAME@sha256:HEX</c>; each keeps its form.
/// </summary>
public static class ManifestUpdater
{
    /// <summary>Returns the new text, or throws MLB6050 when the manifest does not mention the model.</summary>
    public static string Rewrite(string text, string model, int version, string digest, string file)
    {
        var pattern = new Regex(@"(?<![A-Za-z0-9._-])" + Regex.Escape(model) + @"@(?<ref>sha256:[0-9a-f]{64}|[0-9]+)(?![A-Za-z0-9._-])",
            RegexOptions.CultureInvariant);
        var found = false;
        var result = pattern.Replace(text, m =>
        {
            found = true;
            var byDigest = m.Groups["ref"].Value.StartsWith("sha256:", StringComparison.Ordinal);
            return model + "@" + (byDigest ? digest : version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        if (!found)
            throw RegistryCodes.Error(RegistryCodes.ManifestInvalid,
                $"The manifest has no reference to '{model}': write it as {model}@VERSION or {model}@sha256:DIGEST where the model is referenced.", file);
        return result;
    }

    /// <summary>Reads a manifest, or throws MLB6050.</summary>
    public static string Read(string file)
    {
        try { return File.ReadAllText(file); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw RegistryCodes.Error(RegistryCodes.ManifestInvalid, $"Cannot read the manifest: {ex.Message}", file);
        }
    }

    /// <summary>Writes a manifest atomically (<see cref="AtomicFile"/>), or throws MLB6050.</summary>
    public static void Write(string file, string text)
    {
        try { AtomicFile.WriteAllText(file, text); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw RegistryCodes.Error(RegistryCodes.ManifestInvalid, $"Cannot write the manifest: {ex.Message}", file);
        }
    }
}
