using System.Text.Json;
using System.Text.Json.Serialization;
using MlBuild.Core.Diagnostics;
using MlBuild.Core.Models;

namespace MlBuild.Core.Registry;

/// <summary>Event types recorded in the log.</summary>
public static class EventTypes
{
    /// <summary>A new model version.</summary>
    public const string Register = "register";
    /// <summary>An alias moved to a version.</summary>
    public const string Promote = "promote";
    /// <summary>An alias moved back to its previous holder.</summary>
    public const string Rollback = "rollback";
    /// <summary>An approval of a version for an alias.</summary>
    public const string Approve = "approve";
}

/// <summary>
/// One event of the append-only log. The file of event N holds its body (this record, compact JSON) on the first
/// line and, when signed, a <see cref="EventSignature"/> on the second. The event's digest is the SHA-256 of the
/// first line's bytes; event N+1 carries it as <see cref="Prev"/>.
/// </summary>
public sealed record RegistryEvent
{
    /// <summary>Position in the log, from 1.</summary>
    public long Seq { get; init; }
    /// <summary><c>sha256:HEX</c> of the previous event's body; null for the first event.</summary>
    public string? Prev { get; init; }
    /// <summary>One of <see cref="EventTypes"/>.</summary>
    public string Type { get; init; } = "";
    /// <summary>When, UTC, ISO 8601.</summary>
    public string Time { get; init; } = "";
    /// <summary>Who: git identity or CI actor.</summary>
    public string Actor { get; init; } = "";
    /// <summary>Why, from <c>--reason</c>.</summary>
    public string? Reason { get; init; }
    /// <summary>Model name.</summary>
    public string Model { get; init; } = "";
    /// <summary>The version registered, promoted, approved, or rolled back to.</summary>
    public int Version { get; init; }
    /// <summary>The alias, for promote, rollback and approve.</summary>
    public string? Alias { get; init; }
    /// <summary>For promote and rollback: the holder of the alias before this event (the compare in compare-and-swap).</summary>
    public int? From { get; init; }
    /// <summary>For register: the model file.</summary>
    public RegisteredFile? Artifact { get; init; }
    /// <summary>For register: the evidence files.</summary>
    public IReadOnlyList<RegisteredFile>? Evidence { get; init; }
    /// <summary>For register: metrics read from the evidence.</summary>
    public SortedDictionary<string, MetricValue>? Metrics { get; init; }
    /// <summary>For register: gate verdicts read from the evidence (stored as the upper-case words PASS, FAIL, ...).</summary>
    [JsonConverter(typeof(GateVerdictsJsonConverter))]
    public SortedDictionary<string, Verdict>? Gates { get; init; }
    /// <summary>For register: the model's input and output columns, when the evidence has them.</summary>
    public ModelSchema? Schema { get; init; }
    /// <summary>For register: where the version came from.</summary>
    public ModelLineage? Lineage { get; init; }
    /// <summary>
    /// On every <see cref="EventLog.SnapshotEvery"/>-th event: <c>sha256:HEX</c> of the models' state after this event
    /// (<see cref="EventLog.StateDigest"/>), so a snapshot taken here is checked against the chain before it is used.
    /// </summary>
    public string? State { get; init; }
}

/// <summary>A file stored as a content-addressed blob.</summary>
/// <param name="Path">Name relative to the model file or evidence folder, '/'-separated.</param>
/// <param name="Digest"><c>sha256:HEX</c> of the content.</param>
/// <param name="Size">Bytes.</param>
public sealed record RegisteredFile(string Path, string Digest, long Size);

/// <summary>Where a version came from.</summary>
public sealed record ModelLineage
{
    /// <summary>Git commit of the working tree, if git was available.</summary>
    public string? GitCommit { get; init; }
    /// <summary>True when the working tree had uncommitted changes.</summary>
    public bool? GitDirty { get; init; }
    /// <summary>Datasets named in the evidence, with the SHA-256 of their content.</summary>
    public IReadOnlyList<DatasetLineage>? Datasets { get; init; }
    /// <summary>Pipeline parameters from the evidence.</summary>
    public JsonElement? Parameters { get; init; }
    /// <summary>Training seed from the evidence.</summary>
    public long? Seed { get; init; }
    /// <summary>The MlBuild version that registered it.</summary>
    public string? MlBuildVersion { get; init; }
    /// <summary>The ML.NET version that trained it, if known.</summary>
    public string? MlNetVersion { get; init; }
    /// <summary>The baseline the version was compared with, as the evidence names it.</summary>
    public string? Baseline { get; init; }
}

/// <summary>A dataset named in the evidence.</summary>
/// <param name="Name">Name in the pipeline file.</param>
/// <param name="Path">Path as written in the evidence.</param>
/// <param name="Digest"><c>sha256:HEX</c> of the file, or null when it was not found at registration.</param>
/// <param name="Size">Bytes, or null.</param>
public sealed record DatasetLineage(string Name, string Path, string? Digest, long? Size);

/// <summary>The signature line of an event file.</summary>
/// <param name="KeyId">First 16 hex digits of the SHA-256 of the signer's SubjectPublicKeyInfo.</param>
/// <param name="Alg">Always <c>ES256</c> (ECDSA P-256 over the SHA-256 digest).</param>
/// <param name="Sig">Base64 of the IEEE P1363 signature of the event digest.</param>
public sealed record EventSignature(string KeyId, string Alg, string Sig);

/// <summary>
/// The head file: the last event a writer saw committed. A cross-check that protects the last event, which no
/// successor's <c>prev</c> covers yet; signed by a signing writer, so cutting events off the end and rewriting the
/// head is noticed when signatures are required.
/// </summary>
/// <param name="Seq">Sequence number.</param>
/// <param name="Digest">That event's digest.</param>
/// <param name="Signature">Signature of <see cref="EventLog.HeadDigest"/>, when the writer signs.</param>
public sealed record HeadRecord(long Seq, string Digest, EventSignature? Signature = null);

/// <summary>
/// How the registry writes gate verdicts: the upper-case words of <see cref="Verdict"/> (<c>PASS</c>, <c>FAIL</c>,
/// <c>INCONCLUSIVE</c>, ...), as event logs, snapshots and evidence files have always held them.
/// </summary>
public static class GateVerdicts
{
    /// <summary>The registry word of a verdict, e.g. <c>PASS</c>.</summary>
    public static string RegistryWord(this Verdict verdict) => verdict.Word().ToUpperInvariant();

    /// <summary>Parses a verdict word in any case (<c>PASS</c>, <c>pass</c>, <c>Inconclusive</c>, ...); null when it is none.</summary>
    public static Verdict? Parse(string? word)
    {
        if (word is null) return null;
        foreach (var v in Enum.GetValues<Verdict>())
            if (string.Equals(v.Word(), word, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }
}

/// <summary>Reads and writes a gate-verdict map as an object of upper-case words, in the map's order.</summary>
sealed class GateVerdictsJsonConverter : JsonConverter<SortedDictionary<string, Verdict>>
{
    public override SortedDictionary<string, Verdict> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("gate verdicts must be an object");
        var gates = new SortedDictionary<string, Verdict>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            var word = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            gates[name] = GateVerdicts.Parse(word) ?? throw new JsonException($"gate '{name}' has an unknown verdict '{word}'");
        }
        return gates;
    }

    public override void Write(Utf8JsonWriter writer, SortedDictionary<string, Verdict> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, verdict) in value) writer.WriteString(name, verdict.RegistryWord());
        writer.WriteEndObject();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(RegistryEvent))]
[JsonSerializable(typeof(EventSignature))]
[JsonSerializable(typeof(HeadRecord))]
[JsonSerializable(typeof(RegistrySnapshot))]
[JsonSerializable(typeof(SortedDictionary<string, ModelState>))]
internal sealed partial class RegistryJson : JsonSerializerContext;
