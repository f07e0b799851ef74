using System.Text.Json;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Registry;

/// <summary>
/// Promotion rules from <c>mlregistry.policy.json</c> in the repository:
/// <code>
/// { "aliases": {
///     "staging": { "requiredGates": ["auc-min"] },
///     "prod":    { "requiredGates": "all", "requiresAlias": "staging", "approvals": 2 } } }
/// </code>
/// An alias the file does not name can be promoted freely.
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
                    rules[a.Name] = new AliasRule(gates, all, requires, approvals);
                }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw RegistryCodes.Error(RegistryCodes.PolicyInvalid, $"The registry policy file is malformed: {ex.Message}", path);
        }
        return new RegistryPolicy { Aliases = rules };
    }

    /// <summary>Throws the first rule that forbids promoting <paramref name="version"/> to <paramref name="alias"/>.</summary>
    public void Check(string model, int version, VersionState v, string alias)
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
        var have = v.Approvals.TryGetValue(alias, out var who) ? who.Count : 0;
        if (have < rule.Approvals)
            throw RegistryCodes.Error(RegistryCodes.PolicyApprovals,
                $"Policy requires {rule.Approvals} approval(s) of {model} {version} for '{alias}'; it has {have}. Ask a reviewer to run 'dotnet ml approve {model} {version} --for {alias}'.");
    }
}

/// <summary>Rules for one alias.</summary>
/// <param name="RequiredGates">Gates that must have passed.</param>
/// <param name="AllGates">Every recorded gate must have passed (and there must be some).</param>
/// <param name="RequiresAlias">An alias the version must have held before.</param>
/// <param name="Approvals">Distinct approvers required.</param>
public sealed record AliasRule(IReadOnlyList<string> RequiredGates, bool AllGates, string? RequiresAlias, int Approvals);
