using System.Text.Json.Serialization;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Registry;

/// <summary>
/// The registry as the log says it is after event <see cref="Seq"/>: a pure function of the events, rebuilt by
/// replay. <see cref="Apply"/> also enforces the log's rules, so a log that breaks them (a version gap, a promote
/// whose <c>from</c> is not the holder) is rejected on read and reported by verify.
/// </summary>
public sealed class RegistryState
{
    /// <summary>Last applied event, 0 for an empty log.</summary>
    public long Seq { get; set; }
    /// <summary>Digest of that event.</summary>
    public string? Head { get; set; }
    /// <summary>Models by name.</summary>
    public SortedDictionary<string, ModelState> Models { get; set; } = new();

    /// <summary>Applies the next event, or throws <see cref="RegistryRuleException"/> if it breaks a rule.</summary>
    public void Apply(RegistryEvent e, string digest)
    {
        if (e.Seq != Seq + 1) throw new RegistryRuleException($"event {e.Seq} follows event {Seq}");
        if (!string.Equals(e.Prev, Head, StringComparison.Ordinal))
            throw new RegistryRuleException($"event {e.Seq} names previous digest {e.Prev ?? "(none)"} but event {Seq} has {Head ?? "(none)"}");
        if (!RegistryNames.IsValid(e.Model)) throw new RegistryRuleException($"event {e.Seq} has invalid model name '{e.Model}'");
        Models.TryGetValue(e.Model, out var model);
        switch (e.Type)
        {
            case EventTypes.Register:
                model ??= new ModelState();
                if (e.Version != model.Latest + 1)
                    throw new RegistryRuleException($"event {e.Seq} registers {e.Model} version {e.Version} but the next version is {model.Latest + 1}");
                if (e.Artifact is null) throw new RegistryRuleException($"event {e.Seq} registers no model file");
                foreach (var f in (e.Evidence ?? []).Prepend(e.Artifact))
                    if (!EventLog.IsDigest(f.Digest)) throw new RegistryRuleException($"event {e.Seq} names an invalid digest '{f.Digest}'");
                model.Latest = e.Version;
                model.Versions[e.Version] = new VersionState { Seq = e.Seq, Gates = e.Gates };
                Models[e.Model] = model;
                break;
            case EventTypes.Promote:
            {
                var (m, v, alias) = Target(e, model);
                var stack = m.Aliases.TryGetValue(alias, out var s) ? s : m.Aliases[alias] = [];
                int? holder = stack.Count > 0 ? stack[^1] : null;
                if (e.From != holder)
                    throw new RegistryRuleException($"event {e.Seq} moves {e.Model}@{alias} from {Show(e.From)} but the holder was {Show(holder)}");
                if (holder == e.Version) throw new RegistryRuleException($"event {e.Seq} promotes {e.Model} {e.Version} to {alias}, which it already holds");
                stack.Add(e.Version);
                v.Held.Add(alias);
                break;
            }
            case EventTypes.Rollback:
            {
                var (m, _, alias) = Target(e, model);
                var stack = m.Aliases.TryGetValue(alias, out var s) ? s : [];
                if (stack.Count < 2 || e.From != stack[^1] || e.Version != stack[^2])
                    throw new RegistryRuleException($"event {e.Seq} rolls {e.Model}@{alias} back from {Show(e.From)} to {e.Version}, which the alias history does not allow");
                stack.RemoveAt(stack.Count - 1);
                break;
            }
            case EventTypes.Approve:
            {
                var (_, v, alias) = Target(e, model);
                if (!v.Approvals.TryGetValue(alias, out var who)) v.Approvals[alias] = who = new SortedSet<string>();
                who.Add(e.Actor);
                break;
            }
            default:
                throw new RegistryRuleException($"event {e.Seq} has unknown type '{e.Type}'");
        }
        Models[e.Model].Events.Add(e.Seq);
        Seq = e.Seq;
        Head = digest;
    }

    private static (ModelState, VersionState, string) Target(RegistryEvent e, ModelState? model)
    {
        if (model is null) throw new RegistryRuleException($"event {e.Seq} refers to unknown model '{e.Model}'");
        if (!model.Versions.TryGetValue(e.Version, out var v))
            throw new RegistryRuleException($"event {e.Seq} refers to unknown version {e.Model} {e.Version}");
        if (!RegistryNames.IsValid(e.Alias)) throw new RegistryRuleException($"event {e.Seq} has invalid alias '{e.Alias}'");
        return (model, v, e.Alias!);
    }

    private static string Show(int? v) => v?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)";
}

/// <summary>One model's state.</summary>
public sealed class ModelState
{
    /// <summary>Highest version registered.</summary>
    public int Latest { get; set; }
    /// <summary>Versions by number.</summary>
    public SortedDictionary<int, VersionState> Versions { get; set; } = [];
    /// <summary>For each alias, its holders in order; the last is the current holder, rollback pops it.</summary>
    public SortedDictionary<string, List<int>> Aliases { get; set; } = new();
    /// <summary>Sequence numbers of every event about this model (history reads only these).</summary>
    public List<long> Events { get; set; } = [];

    /// <summary>Current holder of an alias, or null.</summary>
    public int? Holder(string alias) => Aliases.TryGetValue(alias, out var s) && s.Count > 0 ? s[^1] : null;
}

/// <summary>One version's state.</summary>
public sealed class VersionState
{
    /// <summary>The register event.</summary>
    public long Seq { get; set; }
    /// <summary>Gate verdicts from its evidence.</summary>
    [JsonConverter(typeof(GateVerdictsJsonConverter))]
    public SortedDictionary<string, Verdict>? Gates { get; set; }
    /// <summary>Aliases this version has held at some point.</summary>
    public SortedSet<string> Held { get; set; } = new();
    /// <summary>Approvers per alias.</summary>
    public SortedDictionary<string, SortedSet<string>> Approvals { get; set; } = new();
}

/// <summary>A snapshot of the state after event <see cref="Seq"/>: a cache that spares replaying the whole log.</summary>
/// <param name="Seq">Event number.</param>
/// <param name="Head">That event's digest: a snapshot is used only if the log still has this digest there.</param>
/// <param name="Models">The state.</param>
public sealed record RegistrySnapshot(long Seq, string Head, SortedDictionary<string, ModelState> Models);

/// <summary>An event breaks a rule of the log.</summary>
public sealed class RegistryRuleException(string message) : Exception(message);
