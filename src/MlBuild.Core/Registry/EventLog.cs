using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Registry;

/// <summary>
/// The append-only, hash-chained log over a store. Event N lives at <c>events/N</c> (ten digits) and is created by
/// an exclusive create: that create is the commit point of every registry operation, so of two writers that decide
/// on event N exactly one succeeds; the other reads the new event, re-checks its own decision against the new state
/// (the compare of compare-and-swap) and either retries at N+1 or reports a conflict.
/// </summary>
public sealed class EventLog
{
    /// <summary>A snapshot of the state is written every this many events, so loads replay a short tail.</summary>
    public const int SnapshotEvery = 64;

    private readonly IRegistryStore _store;
    private readonly EventSigner? _signer;
    private long _snapshotSeq;

    /// <summary>Opens the log of a store; <paramref name="signer"/> signs new events when given.</summary>
    public EventLog(IRegistryStore store, EventSigner? signer = null)
    {
        _store = store;
        _signer = signer;
    }

    /// <summary>The store.</summary>
    public IRegistryStore Store => _store;

    /// <summary>Store key of event <paramref name="seq"/>.</summary>
    public static string EventKey(long seq) => "events/" + seq.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>Store key of the blob with the given <c>sha256:HEX</c> digest.</summary>
    public static string BlobKey(string digest)
    {
        var hex = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[7..] : digest;
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigitLower)) throw new ArgumentException($"Invalid digest '{digest}'.", nameof(digest));
        return $"blobs/sha256/{hex[..2]}/{hex}";
    }

    /// <summary>True for <c>sha256:</c> followed by 64 lower-case hex digits.</summary>
    public static bool IsDigest(string? digest) =>
        digest is { Length: 71 } && digest.StartsWith("sha256:", StringComparison.Ordinal) && !digest.AsSpan(7).ContainsAnyExcept("0123456789abcdef");

    /// <summary><c>sha256:HEX</c> of bytes.</summary>
    public static string Digest(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>An event file split into its parts.</summary>
    /// <param name="Event">The body.</param>
    /// <param name="Digest">SHA-256 of the body bytes.</param>
    /// <param name="Signature">The signature line, if any.</param>
    public sealed record ParsedEvent(RegistryEvent Event, string Digest, EventSignature? Signature);

    /// <summary>Parses an event file; throws <see cref="FormatException"/> if it is malformed.</summary>
    public static ParsedEvent Parse(byte[] file)
    {
        var nl = Array.IndexOf(file, (byte)'\n');
        if (nl <= 0) throw new FormatException("no body line");
        var body = file.AsSpan(0, nl);
        RegistryEvent? e;
        EventSignature? sig = null;
        try
        {
            e = JsonSerializer.Deserialize(body, RegistryJson.Default.RegistryEvent);
            var rest = file.AsSpan(nl + 1).TrimEnd((byte)'\n');
            if (rest.Length > 0) sig = JsonSerializer.Deserialize(rest, RegistryJson.Default.EventSignature);
        }
        catch (JsonException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
        if (e is null) throw new FormatException("empty body");
        return new ParsedEvent(e, Digest(body), sig);
    }

    /// <summary>
    /// Digest of the models' state (<see cref="RegistryState.Models"/>) as its canonical JSON: what an event's
    /// <see cref="RegistryEvent.State"/> records and a snapshot must reproduce.
    /// </summary>
    public static string StateDigest(SortedDictionary<string, ModelState> models) =>
        Digest(JsonSerializer.SerializeToUtf8Bytes(models, RegistryJson.Default.SortedDictionaryStringModelState));

    /// <summary>What a head file's signature covers: its event number and that event's digest, as one digest.</summary>
    public static string HeadDigest(long seq, string digest) =>
        Digest(Encoding.UTF8.GetBytes("mlbuild-head " + seq.ToString(CultureInfo.InvariantCulture) + " " + digest));

    /// <summary>Reads one event, or null if it does not exist.</summary>
    public ParsedEvent? ReadEvent(long seq)
    {
        byte[]? bytes;
        try { bytes = _store.Read(EventKey(seq)); }
        catch (InvalidDataException ex)
        {
            throw RegistryCodes.Error(RegistryCodes.LogCorrupt,
                $"Event {seq} in registry '{_store.Description}' is not an event file ({ex.Message}). Run 'dotnet ml verify'.");
        }
        if (bytes is null) return null;
        try { return Parse(bytes); }
        catch (FormatException ex)
        {
            throw RegistryCodes.Error(RegistryCodes.LogCorrupt,
                $"Event {seq} in registry '{_store.Description}' is malformed ({ex.Message}). Run 'dotnet ml verify'.");
        }
    }

    /// <summary>Loads the current state: the newest snapshot that still matches the log, then the events after it.</summary>
    public RegistryState Load()
    {
        // Read the head file first: every event it names was committed before it was written, so after catching up
        // the log must reach it. If it does not, events were deleted, and writing into the hole would hide that.
        HeadRecord? head = null;
        try
        {
            if (_store.Read("head.json") is { } h) head = JsonSerializer.Deserialize(h, RegistryJson.Default.HeadRecord);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException) { } // verify reports it; the log itself is the record
        var state = LoadSnapshot() ?? new RegistryState();
        _snapshotSeq = state.Seq;
        CatchUp(state);
        if (head is not null && head.Seq > state.Seq)
            throw RegistryCodes.Error(RegistryCodes.LogCorrupt,
                $"Registry '{_store.Description}' ends at event {state.Seq}, but its head file records event {head.Seq}: events are missing. Run 'dotnet ml verify'.");
        return state;
    }

    private RegistryState? LoadSnapshot()
    {
        var keys = _store.List("snapshots/").OrderDescending(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            RegistrySnapshot? snap;
            byte[]? at;
            ParsedEvent parsed;
            try
            {
                var bytes = _store.Read(key);
                if (bytes is null) continue; // pruned by another writer meanwhile
                snap = JsonSerializer.Deserialize(bytes, RegistryJson.Default.RegistrySnapshot);
                if (snap is null || snap.Seq <= 0 || key != SnapshotKey(snap.Seq)) continue;
                at = _store.Read(EventKey(snap.Seq));
                if (at is null) continue;
                parsed = Parse(at);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidDataException) { continue; }
            // A snapshot is a file anyone with write access can edit: trust it only when the chained (and, with a
            // signing writer, signed) event it was taken at records the digest of exactly this state. Else replay.
            if (parsed.Digest != snap.Head || parsed.Event.State is null || parsed.Event.State != StateDigest(snap.Models)) continue;
            return new RegistryState { Seq = snap.Seq, Head = snap.Head, Models = snap.Models };
        }
        return null;
    }

    /// <summary>Applies every event after <c>state.Seq</c> that exists now.</summary>
    public void CatchUp(RegistryState state)
    {
        while (ReadEvent(state.Seq + 1) is { } next)
        {
            try { state.Apply(next.Event, next.Digest); }
            catch (RegistryRuleException ex)
            {
                throw RegistryCodes.Error(RegistryCodes.LogCorrupt,
                    $"Registry '{_store.Description}' is broken: {ex.Message}. Nothing was written; run 'dotnet ml verify' for the full list of problems.");
            }
        }
    }

    /// <summary>
    /// Appends one event. <paramref name="decide"/> sees the current state and returns the event (it throws a coded
    /// error to refuse); when another writer commits first, the state catches up and <paramref name="decide"/> runs
    /// again on the new state. Returns the committed event with its digest.
    /// </summary>
    public ParsedEvent Append(RegistryState state, Func<RegistryState, RegistryEvent> decide, TimeSpan? budget = null)
    {
        var deadline = DateTime.UtcNow + (budget ?? TimeSpan.FromSeconds(120));
        var attempt = 0;
        while (true)
        {
            var e = decide(state) with { Seq = state.Seq + 1, Prev = state.Head };
            if (e.Seq % SnapshotEvery == 0) e = e with { State = StateAfter(state, e) };
            var body = JsonSerializer.SerializeToUtf8Bytes(e, RegistryJson.Default.RegistryEvent);
            var digest = Digest(body);
            var sig = _signer?.Sign(digest);
            using var file = new MemoryStream();
            file.Write(body);
            file.WriteByte((byte)'\n');
            if (sig is not null)
            {
                file.Write(JsonSerializer.SerializeToUtf8Bytes(sig, RegistryJson.Default.EventSignature));
                file.WriteByte((byte)'\n');
            }
            file.Position = 0;
            FaultInjection.Hit("append.before-create");
            if (_store.TryCreate(EventKey(e.Seq), file))
            {
                state.Apply(e, digest);
                FaultInjection.Hit("append.after-create");
                AfterCommit(state);
                return new ParsedEvent(e, digest, sig);
            }
            CatchUp(state);
            if (++attempt > 10_000 || DateTime.UtcNow > deadline)
                throw RegistryCodes.Error(RegistryCodes.Busy,
                    $"Registry '{_store.Description}' kept changing; gave up after {attempt} attempts. Try again.");
            if (attempt > 3) Thread.Sleep(Random.Shared.Next(1, 1 + Math.Min(attempt, 20)));
        }
    }

    // The models' state digest after applying e to a copy of state (only every SnapshotEvery-th event pays for it).
    private static string StateAfter(RegistryState state, RegistryEvent e)
    {
        var copy = JsonSerializer.Deserialize(SerializeState(state), RegistryJson.Default.RegistrySnapshot)!;
        var next = new RegistryState { Seq = state.Seq, Head = state.Head, Models = copy.Models };
        next.Apply(e, "");
        return StateDigest(next.Models);
    }

    // Head file and snapshots are caches and cross-checks, not the record: failing to write them loses nothing.
    private void AfterCommit(RegistryState state)
    {
        try
        {
            // A slower writer must not move the head back over a newer one (a small race remains; the head only
            // needs to be a recent committed event, which any value written here is).
            HeadRecord? current = null;
            try
            {
                if (_store.Read("head.json") is { } h) current = JsonSerializer.Deserialize(h, RegistryJson.Default.HeadRecord);
            }
            catch (JsonException) { }
            if (current is null || current.Seq < state.Seq)
            {
                var head = JsonSerializer.SerializeToUtf8Bytes(
                    new HeadRecord(state.Seq, state.Head!, _signer?.Sign(HeadDigest(state.Seq, state.Head!))), RegistryJson.Default.HeadRecord);
                FaultInjection.Hit("head.before-write");
                _store.Replace("head.json", head);
            }
            // Only where the event records the state digest: elsewhere nobody could check the snapshot.
            if (state.Seq % SnapshotEvery == 0 && state.Seq > _snapshotSeq) WriteSnapshot(state);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        catch (InvalidDataException) { }
    }

    internal void WriteSnapshot(RegistryState state)
    {
        var snap = new RegistrySnapshot(state.Seq, state.Head!, state.Models);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(snap, RegistryJson.Default.RegistrySnapshot);
        FaultInjection.Hit("snapshot.before-write");
        _store.TryCreate(SnapshotKey(state.Seq), bytes);
        _snapshotSeq = state.Seq;
        // Keep the two newest: older ones only slow the listing down.
        foreach (var old in _store.List("snapshots/").OrderDescending(StringComparer.Ordinal).Skip(2))
            _store.Delete(old);
    }

    /// <summary>Store key of the snapshot taken at <paramref name="seq"/>.</summary>
    public static string SnapshotKey(long seq) => "snapshots/" + seq.ToString("D10", CultureInfo.InvariantCulture) + ".json";

    /// <summary>Serialises state the way snapshots do, for comparisons.</summary>
    internal static byte[] SerializeState(RegistryState state) =>
        JsonSerializer.SerializeToUtf8Bytes(new RegistrySnapshot(state.Seq, state.Head ?? "", state.Models), RegistryJson.Default.RegistrySnapshot);

    internal static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    internal static MlDiagnostic Diag(DiagnosticCode code, string message, string? file = null) =>
        new(code, code.Kind == DiagnosticKind.Information ? MlSeverity.Info : MlSeverity.Error, message, file);
}
