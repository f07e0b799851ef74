using System.Globalization;
using System.Security.Cryptography;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Registry;

/// <summary>How a registry operation runs: where, as whom, under which policy, signed by which key.</summary>
public sealed record RegistryOptions
{
    /// <summary>The repository folder: git lineage, relative dataset paths.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();
    /// <summary>Environment lookup (tests pass their own).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
    /// <summary>Promotion policy, or null for none.</summary>
    public RegistryPolicy? Policy { get; init; }
    /// <summary>Signs new events, or null.</summary>
    public EventSigner? Signer { get; init; }
    /// <summary>Clock (UTC).</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;
    /// <summary>Skip git lineage (benchmarks); the identity still comes from the environment or git config.</summary>
    public bool SkipGit { get; init; }
}

/// <summary>Result of promote, rollback and approve.</summary>
/// <param name="Event">The committed event, or null when nothing changed.</param>
/// <param name="Previous">The alias holder before.</param>
/// <param name="Current">The alias holder after.</param>
public sealed record MoveResult(RegistryEvent? Event, int? Previous, int? Current)
{
    /// <summary>Warnings about the move (for example MLB6045: promoted past failing gates).</summary>
    public IReadOnlyList<MlDiagnostic> Notices { get; init; } = [];
}

/// <summary>
/// The model registry: register, promote, rollback, approve and queries over an <see cref="EventLog"/>.
/// Every write is one event; the event's exclusive create is the commit point, so an operation that fails or is
/// killed before it changes nothing, and one that got past it is whole.
/// </summary>
public sealed class ModelRegistry
{
    private readonly EventLog _log;
    private readonly RegistryOptions _options;
    private RegistryState? _state;

    /// <summary>Opens a registry over a store.</summary>
    public ModelRegistry(IRegistryStore store, RegistryOptions? options = null)
    {
        _options = options ?? new RegistryOptions();
        _log = new EventLog(store, _options.Signer);
    }

    /// <summary>The log.</summary>
    public EventLog Log => _log;

    /// <summary>The store.</summary>
    public IRegistryStore Store => _log.Store;

    /// <summary>The current state (loaded once, then kept up to date by this instance's writes).</summary>
    public RegistryState State => _state ??= LoadExisting();

    private RegistryState LoadExisting()
    {
        if (!Store.Exists()) return new RegistryState();
        return _log.Load();
    }

    private string Now() => _options.Clock().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private string Actor() => LineageProbe.Actor(_options.WorkingDirectory, _options.Environment);

    /// <summary>
    /// Registers a new version of <paramref name="name"/> from a model file and an optional evidence folder. An ML.NET
    /// model zip is read for the ML.NET version that saved it and checked against the evidence's schema (MLB6046).
    /// The same model bytes with the same evidence as an existing version record nothing and return that version's
    /// event (MLB6042); the same bytes with other evidence register a new version with a warning naming the earlier one
    /// (MLB6043). Warnings and notes go to <paramref name="notice"/>.
    /// </summary>
    public RegistryEvent Register(string name, string modelPath, string? evidenceDir = null, string? reason = null,
        Action<Diagnostics.MlDiagnostic>? notice = null)
    {
        RegistryNames.Check(name, "Model name");
        if (!File.Exists(modelPath))
            throw RegistryCodes.Error(RegistryCodes.ModelFileMissing, $"Model file '{modelPath}' does not exist.", modelPath);
        var evidence = evidenceDir is null ? null : Evidence.Read(evidenceDir);
        var actor = Actor();
        var zip = InspectModel(name, modelPath, evidence, notice);

        Store.EnsureCreated();
        var artifact = StoreFile(modelPath, Path.GetFileName(modelPath));
        var files = evidence?.Files.Select(f => StoreFile(f.FullPath, f.Relative)).ToList();
        var datasets = evidence?.Datasets.Select(d => HashDataset(d.Name, d.Path, evidenceDir!)).ToList();
        var (commit, dirty) = _options.SkipGit ? (null, null) : LineageProbe.GitState(_options.WorkingDirectory);
        var lineage = new ModelLineage
        {
            GitCommit = commit,
            GitDirty = dirty,
            Datasets = datasets is { Count: > 0 } ? datasets : null,
            Parameters = evidence?.Parameters,
            Seed = evidence?.Seed,
            MlBuildVersion = LineageProbe.MlBuildVersion(),
            // The zip records the release that saved it; the evidence and the running process are only fallbacks.
            MlNetVersion = zip?.MlNetVersion ?? evidence?.MlNetVersion ?? (zip is null ? LineageProbe.LoadedMlNetVersion() : null),
            Baseline = evidence?.Baseline,
        };
        FaultInjection.Hit("register.after-blobs");

        var evidenceKey = EvidenceKey(files);
        int? duplicateOf = null;
        var state = State;
        EventLog.ParsedEvent committed;
        try
        {
            committed = _log.Append(state, s =>
            {
                // Decided on the state the exclusive create is checked against, like the version number.
                var same = SameBytes(s, name, artifact.Digest);
                if (same.FirstOrDefault(v => v.EvidenceKey == evidenceKey) is { Version: > 0 } twin)
                {
                    duplicateOf = twin.Version;
                    throw RegistryCodes.Error(DiagnosticCodes.AlreadyRegistered, "already registered");
                }
                duplicateOf = same.Count > 0 ? same[^1].Version : null;
                return new RegistryEvent
                {
                    Type = EventTypes.Register,
                    Time = Now(),
                    Actor = actor,
                    Reason = reason,
                    Model = name,
                    Version = (s.Models.TryGetValue(name, out var m) ? m.Latest : 0) + 1,
                    Artifact = artifact,
                    Evidence = files,
                    Metrics = evidence?.Metrics,
                    Gates = evidence?.Gates,
                    Schema = evidence?.Schema,
                    Lineage = lineage,
                };
            });
        }
        catch (Diagnostics.MlBuildException ex) when (ex.Diagnostic.Code == DiagnosticCodes.AlreadyRegistered && duplicateOf is int existing)
        {
            var registered = ReadEvent(State.Models[name].Versions[existing].Seq);
            notice?.Invoke(new Diagnostics.MlDiagnostic(DiagnosticCodes.AlreadyRegistered, Diagnostics.MlSeverity.Info,
                $"{name}@{existing} already has these model bytes ({artifact.Digest}) and this evidence; nothing was recorded."));
            return registered;
        }
        if (duplicateOf is int earlier)
            notice?.Invoke(new Diagnostics.MlDiagnostic(DiagnosticCodes.SameModelBytes, Diagnostics.MlSeverity.Warning,
                $"The model bytes of {name}@{committed.Event.Version} are identical to {name}@{earlier} ({artifact.Digest}); registered as a new version because the evidence differs."));
        return committed.Event;
    }

    // The model zip's own record, checked against the evidence; null for a file that is not an ML.NET zip.
    private static ModelZipInfo? InspectModel(string name, string modelPath, Evidence? evidence, Action<Diagnostics.MlDiagnostic>? notice)
    {
        if (!ModelZipInspector.IsMlNetZip(modelPath)) return null;
        // Loading costs ML.NET's start-up: only when there is a schema to check.
        var zip = ModelZipInspector.Inspect(modelPath, load: evidence?.Schema is not null);
        if (zip.LoadError is { } why)
            notice?.Invoke(new Diagnostics.MlDiagnostic(DiagnosticCodes.PackageWouldNotLoad, Diagnostics.MlSeverity.Warning,
                $"{Path.GetFileName(modelPath)} does not load with ML.NET ({why}): it is registered, but 'dotnet ml package' will refuse it.", modelPath));
        else if (evidence?.Schema is { } claimed && zip.Schema is { } actual && ModelZipInspector.Disagreements(claimed, actual) is { Count: > 0 } problems)
            throw RegistryCodes.Error(DiagnosticCodes.EvidenceSchemaMismatch,
                $"The evidence's schema.json describes another model than {Path.GetFileName(modelPath)}: {string.Join("; ", problems)}. Nothing was registered.", modelPath);
        return zip;
    }

    private static string EvidenceKey(IReadOnlyList<RegisteredFile>? files) =>
        string.Join("\n", (files ?? []).OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => f.Path + " " + f.Digest));

    // Artifact digest and evidence key of each register event this instance has read (events never change).
    private readonly Dictionary<long, (string Artifact, string EvidenceKey)> _registered = [];

    private List<(int Version, string EvidenceKey)> SameBytes(RegistryState s, string name, string digest)
    {
        var result = new List<(int, string)>();
        if (!s.Models.TryGetValue(name, out var model)) return result;
        foreach (var (version, vs) in model.Versions)
        {
            if (!_registered.TryGetValue(vs.Seq, out var r))
            {
                var e = ReadEvent(vs.Seq);
                _registered[vs.Seq] = r = (e.Artifact?.Digest ?? "", EvidenceKey(e.Evidence));
            }
            if (r.Artifact == digest) result.Add((version, r.EvidenceKey));
        }
        return result;
    }

    private RegisteredFile StoreFile(string fullPath, string relative)
    {
        string digest;
        long size;
        try
        {
            using (var fs = File.OpenRead(fullPath))
            {
                digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(fs));
                size = fs.Length;
            }
            var key = EventLog.BlobKey(digest);
            // Content-addressed: an existing blob of that digest already has these bytes (verify checks it).
            if (Store.Read(key) is null)
            {
                using var fs = File.OpenRead(fullPath);
                Store.TryCreate(key, fs);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw RegistryCodes.Error(RegistryCodes.StoreFailed, $"Cannot store '{relative}': {ex.Message}", fullPath);
        }
        return new RegisteredFile(relative, digest, size);
    }

    private DatasetLineage HashDataset(string name, string path, string evidenceDir)
    {
        var candidates = new[] { Path.Combine(_options.WorkingDirectory, path), Path.Combine(evidenceDir, path) };
        foreach (var c in candidates)
        {
            if (!File.Exists(c)) continue;
            using var fs = File.OpenRead(c);
            return new DatasetLineage(name, path, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(fs)), fs.Length);
        }
        return new DatasetLineage(name, path, null, null);
    }

    /// <summary>The aliases the built-in gate guard protects: a version whose evidence records a failing gate needs --force.</summary>
    public static readonly IReadOnlySet<string> ProtectedAliases = new HashSet<string>(StringComparer.Ordinal) { "prod", "production" };

    /// <summary>Gates whose verdict blocks a protected alias: FAIL and ERROR ("evidence with a failing gate").</summary>
    public static IReadOnlyList<string> FailingGates(VersionState v) =>
        [.. (v.Gates ?? []).Where(g => g.Value is Verdict.Fail or Verdict.Error).Select(g => $"{g.Key} {g.Value.RegistryWord()}")];

    /// <summary>
    /// Moves <paramref name="alias"/> to <paramref name="version"/> by compare-and-swap: the alias must still have
    /// the holder <paramref name="expected"/> (by default, the holder when the command started) when the event commits.
    /// Besides the policy file, a version whose evidence records a failing gate (FAIL or ERROR) is refused for
    /// <see cref="ProtectedAliases"/> unless <paramref name="force"/> (MLB6044; the event's reason then says so), and
    /// any promotion of a version with gates that did not pass comes with a warning (MLB6045).
    /// </summary>
    public MoveResult Promote(string name, int version, string alias, string? reason = null, int? expected = null, bool expectGiven = false,
        bool force = false)
    {
        RegistryNames.Check(alias, "Alias");
        var actor = Actor();
        var state = State;
        var model = RequireModel(state, name);
        RequireVersion(model, name, version);
        int? expect = expectGiven ? expected : model.Holder(alias);
        if (model.Holder(alias) == version && expect == version)
            return new MoveResult(null, version, version);
        EventLog.ParsedEvent committed;
        try
        {
            committed = _log.Append(state, s => DecidePromote(s, name, version, alias, reason, expect, actor, force));
        }
        catch (Diagnostics.MlBuildException ex) when (ex.Diagnostic.Code == RegistryCodes.AlreadyHolds)
        {
            return new MoveResult(null, version, version);
        }
        var notGood = (State.Models[name].Versions[version].Gates ?? []).Where(g => g.Value is Verdict.Fail or Verdict.Error or Verdict.Inconclusive or Verdict.Warn)
            .Select(g => $"{g.Key} {g.Value.RegistryWord()}").ToList();
        var notices = notGood.Count == 0 ? [] : new[]
        {
            new MlDiagnostic(DiagnosticCodes.PromotedPastGates, MlSeverity.Warning,
                $"{name}@{version} was promoted to '{alias}' although its evidence records gates that did not pass: {string.Join(", ", notGood)}."),
        };
        return new MoveResult(committed.Event, committed.Event.From, version) { Notices = notices };
    }

    private RegistryEvent DecidePromote(RegistryState s, string name, int version, string alias, string? reason, int? expect, string actor, bool force)
    {
        var m = s.Models[name];
        var holder = m.Holder(alias);
        if (holder != expect)
            throw RegistryCodes.Error(RegistryCodes.AliasConflict,
                $"{name}@{alias} is now held by {Show(holder)}, not {Show(expect)} as this promotion expected: another writer moved it first. Check 'dotnet ml history {name}' and try again.");
        if (holder == version)
            throw RegistryCodes.Error(RegistryCodes.AlreadyHolds, $"{name} {version} already holds '{alias}'.");
        _options.Policy?.Check(name, version, m.Versions[version], alias, actor, ReadEvent(m.Versions[version].Seq).Actor);
        var failing = FailingGates(m.Versions[version]);
        if (failing.Count > 0 && ProtectedAliases.Contains(alias))
        {
            if (!force)
                throw RegistryCodes.Error(DiagnosticCodes.FailingGateProd,
                    $"{name} {version} has failing gates in its evidence ({string.Join(", ", failing)}): refusing to promote it to '{alias}'. Register a version whose gates pass, or run again with --force --reason WHY.");
            // The override is part of the record: history shows it, whatever reason was given.
            reason = $"--force past failing gates ({string.Join(", ", failing)})" + (reason is null ? "" : ": " + reason);
        }
        return new RegistryEvent
        {
            Type = EventTypes.Promote, Time = Now(), Actor = actor, Reason = reason,
            Model = name, Version = version, Alias = alias, From = holder,
        };
    }

    /// <summary>Moves <paramref name="alias"/> back to its previous holder, read from the log.</summary>
    public MoveResult Rollback(string name, string alias, string? reason = null)
    {
        RegistryNames.Check(alias, "Alias");
        var actor = Actor();
        var state = State;
        var model = RequireModel(state, name);
        if (model.Holder(alias) is null)
            throw RegistryCodes.Error(RegistryCodes.UnknownAlias, $"{name} has no alias '{alias}'.");
        var expect = model.Holder(alias);
        var committed = _log.Append(state, s =>
        {
            var m = s.Models[name];
            var stack = m.Aliases.TryGetValue(alias, out var st) ? st : [];
            var holder = m.Holder(alias);
            if (holder != expect)
                throw RegistryCodes.Error(RegistryCodes.AliasConflict,
                    $"{name}@{alias} is now held by {Show(holder)}, not {Show(expect)} as this rollback expected: another writer moved it first. Check 'dotnet ml history {name}' and try again.");
            if (stack.Count < 2)
                throw RegistryCodes.Error(RegistryCodes.NothingToRollBack,
                    $"{name}@{alias} has no previous holder to roll back to (it is held by {Show(holder)}).");
            return new RegistryEvent
            {
                Type = EventTypes.Rollback, Time = Now(), Actor = actor, Reason = reason,
                Model = name, Version = stack[^2], Alias = alias, From = holder,
            };
        });
        return new MoveResult(committed.Event, committed.Event.From, committed.Event.Version);
    }

    /// <summary>Records the current identity's approval of a version for an alias (once per identity).</summary>
    public MoveResult Approve(string name, int version, string alias, string? reason = null)
    {
        RegistryNames.Check(alias, "Alias");
        var actor = Actor();
        var state = State;
        var v = RequireVersion(RequireModel(state, name), name, version);
        if (v.Approvals.TryGetValue(alias, out var who) && who.Contains(actor)) return new MoveResult(null, null, null);
        var committed = _log.Append(state, _ => new RegistryEvent
        {
            Type = EventTypes.Approve, Time = Now(), Actor = actor, Reason = reason,
            Model = name, Version = version, Alias = alias,
        });
        return new MoveResult(committed.Event, null, null);
    }

    /// <summary>Resolves NAME, NAME@VERSION or NAME@ALIAS to a version and its register event.</summary>
    public (int Version, RegistryEvent Registered) Resolve(ModelReference reference)
    {
        var model = RequireModel(State, reference.Name);
        int version;
        if (reference.Version is int v) version = v;
        else if (reference.Alias is { } alias)
            version = model.Holder(alias) ?? throw RegistryCodes.Error(RegistryCodes.UnknownAlias, $"{reference.Name} has no alias '{alias}'.");
        else version = model.Latest;
        var vs = RequireVersion(model, reference.Name, version);
        return (version, ReadEvent(vs.Seq));
    }

    /// <summary>Reads one committed event.</summary>
    public RegistryEvent ReadEvent(long seq) =>
        _log.ReadEvent(seq)?.Event ?? throw RegistryCodes.Error(RegistryCodes.LogCorrupt,
            $"Event {seq} of registry '{Store.Description}' is missing. Run 'dotnet ml verify'.");

    /// <summary>The model's events in log order.</summary>
    public IReadOnlyList<RegistryEvent> History(string name) =>
        RequireModel(State, name).Events.Select(ReadEvent).ToList();

    /// <summary>The model's state, or MLB6005.</summary>
    public ModelState RequireModel(RegistryState state, string name)
    {
        RegistryNames.Check(name, "Model name");
        if (!Store.Exists())
            throw RegistryCodes.Error(RegistryCodes.NoRegistry, $"No registry at '{Store.Description}'. Register a model first, or pass --registry.");
        return state.Models.TryGetValue(name, out var m) ? m
            : throw RegistryCodes.Error(RegistryCodes.UnknownModel, $"The registry has no model '{name}'. Run 'dotnet ml list' to see the models.");
    }

    private static VersionState RequireVersion(ModelState model, string name, int version) =>
        model.Versions.TryGetValue(version, out var v) ? v
            : throw RegistryCodes.Error(RegistryCodes.UnknownVersion, $"{name} has no version {version} (latest is {model.Latest}).");

    /// <summary>Opens a stored blob by digest, or throws MLB6033.</summary>
    public Stream OpenBlob(string digest) =>
        Store.OpenRead(EventLog.BlobKey(digest)) ?? throw RegistryCodes.Error(RegistryCodes.BlobMissing,
            $"Blob {digest} is missing from registry '{Store.Description}'. Run 'dotnet ml verify'.");

    internal static string Show(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "(none)";
}
