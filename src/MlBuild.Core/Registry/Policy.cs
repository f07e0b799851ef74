using System.Text.Json;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Registry;

/// <summary>
/// Promotion rules from <c>mlregistry.policy.json</c> in the repository:
/// <code>
/// { "aliases": {
///     "staging": { "requiredGates": ["auc-min"] },
///     "prod":    { "requiredGates": "all", "requiresAlias": "staging", "approvals": 2,
///                  "approvalsExclude": ["promoter", "registrant"] } } }
/// </code>
/// An alias the file does not name can be promoted freely (the built-in guard for <c>prod</c> aside, see
/// <see cref="ModelRegistry.Promote"/>). Approvals always count distinct identities; <c>approvalsExclude</c> also
/// leaves out the identity promoting and the one that registered the version, so nobody approves their own change.
/// </summary>
public sealed class RegistryPolicy
{
    /// <summary>Default file name, looked up in the working directory.</summary>
    public const string FileName = "mlregistry.policy.json";

    /// <summary>Rules per alias.</summary>
    public IReadOnlyDictionary<string, AliasRule> Aliases { get; private init; } = new Dictionary<string, AliasRule>();

    /// <summary>Loads the policy file; null when it does not exist.</summary>
    public static RegistryPolicy? Load(string path)
    {
        if (!File.Exists(path)) return null;
        var rules = new Dictionary<string, AliasRule>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (doc.RootElement.TryGetProperty("aliases", out var aliases))
                foreach (var a in aliases.EnumerateObject())
                {
                    RegistryNames.Check(a.Name, "Alias in the policy file");
                    var gates = new List<string>();
                    var all = false;
                    if (a.Value.TryGetProperty("requiredGates", out var g))
                    {
                        if (g.ValueKind == JsonValueKind.String && g.GetString() == "all") all = true;
                        else if (g.ValueKind == JsonValueKind.Array) gates.AddRange(g.EnumerateArray().Select(x => x.GetString() ?? throw new InvalidOperationException("gate names must be strings")));
                        else throw new InvalidOperationException($"'requiredGates' of '{a.Name}' must be \"all\" or an array of gate names");
                    }
                    string? requires = a.Value.TryGetProperty("requiresAlias", out var r) ? r.GetString() : null;
                    var approvals = a.Value.TryGetProperty("approvals", out var ap) ? ap.GetInt32() : 0;
                    if (approvals < 0) throw new InvalidOperationException($"'approvals' of '{a.Name}' must not be negative");
                    var exclude = ApproverExclusions.None;
                    if (a.Value.TryGetProperty("approvalsExclude", out var ex))
                    {
                        if (ex.ValueKind != JsonValueKind.Array) throw new InvalidOperationException($"'approvalsExclude' of '{a.Name}' must be an array of \"promoter\" and \"registrant\"");
                        foreach (var x in ex.EnumerateArray())
                            exclude |= x.ValueKind == JsonValueKind.String ? x.GetString() switch
                            {
                                "promoter" => ApproverExclusions.Promoter,
                                "registrant" => ApproverExclusions.Registrant,
                                var other => throw new InvalidOperationException($"'approvalsExclude' of '{a.Name}' names '{other}'; expected \"promoter\" or \"registrant\""),
                            } : throw new InvalidOperationException($"'approvalsExclude' of '{a.Name}' must hold strings");
                    }
                    rules[a.Name] = new AliasRule(gates, all, requires, approvals, exclude);
                }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw RegistryCodes.Error(RegistryCodes.PolicyInvalid, $"The registry policy file is malformed: {ex.Message}", path);
        }
        return new RegistryPolicy { Aliases = rules };
    }

    /// <summary>
    /// Throws the first rule that forbids promoting <paramref name="version"/> to <paramref name="alias"/>.
    /// <paramref name="promoter"/> and <paramref name="registrant"/> are the identities an <c>approvalsExclude</c> rule
    /// leaves out of the approval count.
    /// </summary>
    public void Check(string model, int version, VersionState v, string alias, string? promoter = null, string? registrant = null)
    {
        if (!Aliases.TryGetValue(alias, out var rule)) return;
        var gates = v.Gates ?? [];
        if (rule.AllGates)
        {
            if (gates.Count == 0)
                throw RegistryCodes.Error(RegistryCodes.PolicyGate,
                    $"Policy requires every gate to pass for '{alias}', but {model} {version} has no gate verdicts in its evidence. Register it with gate results.");
            var failed = gates.Where(g => g.Value != Verdict.Pass).Select(g => $"{g.Key}={g.Value.RegistryWord()}").ToList();
            if (failed.Count > 0)
                throw RegistryCodes.Error(RegistryCodes.PolicyGate,
                    $"Policy requires every gate to pass for '{alias}', but {model} {version} has {string.Join(", ", failed)}.");
        }
        foreach (var g in rule.RequiredGates)
            if (!gates.TryGetValue(g, out var verdict) || verdict != Verdict.Pass)
                throw RegistryCodes.Error(RegistryCodes.PolicyGate,
                    $"Policy requires gate '{g}' to pass for '{alias}', but {model} {version} has {(gates.ContainsKey(g) ? verdict.RegistryWord() : "no verdict for it")}.");
        if (rule.RequiresAlias is { } before && !v.Held.Contains(before))
            throw RegistryCodes.Error(RegistryCodes.PolicyPreviousAlias,
                $"Policy requires {model} {version} to be promoted to '{before}' before '{alias}'. Run 'dotnet ml promote {model} {version} --to {before}' first.");
        var approvers = v.Approvals.TryGetValue(alias, out var who) ? who : [];
        var excluded = new SortedSet<string>(StringComparer.Ordinal);
        if (rule.Exclude.HasFlag(ApproverExclusions.Promoter) && promoter is not null && approvers.Contains(promoter)) excluded.Add(promoter);
        if (rule.Exclude.HasFlag(ApproverExclusions.Registrant) && registrant is not null && approvers.Contains(registrant)) excluded.Add(registrant);
        var have = approvers.Count - excluded.Count;
        if (have < rule.Approvals)
        {
            var others = rule.Exclude switch
            {
                ApproverExclusions.Promoter => " from someone other than the promoter",
                ApproverExclusions.Registrant => " from someone other than the registrant",
                ApproverExclusions.None => "",
                _ => " from someone other than the promoter and the registrant",
            };
            var notCounted = excluded.Count == 0 ? "" : $" ({string.Join(", ", excluded)} cannot approve their own change)";
            throw RegistryCodes.Error(RegistryCodes.PolicyApprovals,
                $"Policy requires {rule.Approvals} approval(s){others} of {model} {version} for '{alias}'; it has {have}{notCounted}. Ask a reviewer to run 'dotnet ml approve {model} {version} --for {alias}'.");
        }
    }
}

/// <summary>Rules for one alias.</summary>
/// <param name="RequiredGates">Gates that must have passed.</param>
/// <param name="AllGates">Every recorded gate must have passed (and there must be some).</param>
/// <param name="RequiresAlias">An alias the version must have held before.</param>
/// <param name="Approvals">Distinct approvers required.</param>
/// <param name="Exclude">Identities whose approval does not count.</param>
public sealed record AliasRule(IReadOnlyList<string> RequiredGates, bool AllGates, string? RequiresAlias, int Approvals,
    ApproverExclusions Exclude = ApproverExclusions.None);

/// <summary>Identities a policy does not count as approvers of a promotion.</summary>
[Flags]
public enum ApproverExclusions
{
    /// <summary>Every distinct identity counts.</summary>
    None = 0,
    /// <summary>The identity running the promotion.</summary>
    Promoter = 1,
    /// <summary>The identity that registered the version.</summary>
    Registrant = 2,
}
