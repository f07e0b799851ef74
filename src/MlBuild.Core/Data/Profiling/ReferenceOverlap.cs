using System.Text.Json;
using MlBuild.Core.Data.Validation;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Profiling;

/// <summary>
/// Drift against a saved reference profile reads two things: the reference (a JSON file of some MB) and the current
/// data. Read one after the other, a core idles while the reference is parsed; here the reference is read on its own
/// thread while the current data is profiled (<see cref="ProfileBuilder.BuildForDrift(DatasetRequest, Task{MergeableProfile}, ProfileLimits, int, Action{long, long}?)"/>),
/// with the limits read ahead from the file's head. The outcome and the diagnostics are those of reading the
/// reference first: its errors come before the current data's, and the reference's own checks
/// (<c>checkReference</c>) run before the current data's errors are reported.
/// </summary>
public static class ReferenceOverlap
{
    /// <summary>
    /// Reads the profile at <paramref name="referenceFull"/> and profiles <paramref name="current"/> for drift against it.
    /// <paramref name="checkReference"/> sees the reference once read (a schema or rule that does not fit it throws there).
    /// </summary>
    public static (MergeableProfile Reference, MergeableProfile Current) ReadAndProfile(string referenceFull, string referenceDisplay, DatasetRequest current,
        Action<MergeableProfile>? checkReference = null, int maxParallelism = 0, Action<long, long>? progress = null)
    {
        if (ReadLimits(referenceFull) is not { } limits)
        {
            // A head that does not give the limits first (hand-edited, or not a profile): one after the other.
            var read = ProfileJson.ReadFile(referenceFull, referenceDisplay);
            checkReference?.Invoke(read);
            return (read, ProfileBuilder.BuildForDrift(current, read, maxParallelism, progress));
        }
        var reading = Task.Run(() => ProfileJson.ReadFile(referenceFull, referenceDisplay));
        MergeableProfile? profile = null;
        MlBuildException? currentError = null;
        try { profile = ProfileBuilder.BuildForDrift(current, reading, limits, maxParallelism, progress); }
        catch (MlBuildException e) { currentError = e; }
        var reference = reading.GetAwaiter().GetResult(); // its MlBuildException, unwrapped, comes first
        checkReference?.Invoke(reference);
        if (currentError is not null) throw currentError;
        // The head's limits are the file's (the reader checks them): a profile that differs somehow is profiled again.
        return reference.Limits == limits ? (reference, profile!) : (reference, ProfileBuilder.BuildForDrift(current, reference, maxParallelism, progress));
    }

    /// <summary>The <c>limits</c> of a profile file when they come before its <c>columns</c> (as the writer puts them), else null.</summary>
    internal static ProfileLimits? ReadLimits(string fullPath)
    {
        var head = new byte[4096];
        int length;
        try
        {
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var reader = new Utf8JsonReader(head.AsSpan(0, length), isFinalBlock: false, default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("columns")) return null;
                if (!reader.ValueTextEquals("limits"))
                {
                    if (!reader.TrySkip()) return null;
                    continue;
                }
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
                int? exact = null, categories = null, bits = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    if (!reader.Read()) return null;
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int value))
                    {
                        if (!reader.TrySkip()) return null;
                        continue;
                    }
                    switch (name)
                    {
                        case "exactValues": exact = value; break;
                        case "categories": categories = value; break;
                        case "sketchBits": bits = value; break;
                    }
                }
                // Limits out of range are the reader's to report (MLB2005): none here.
                return exact is >= 1 && categories is >= 0 && bits is >= 1 and <= 20
                    ? new ProfileLimits { ExactValues = exact.Value, Categories = categories.Value, SketchBits = bits.Value } : null;
            }
        }
        catch (JsonException) { }
        return null;
    }
}
