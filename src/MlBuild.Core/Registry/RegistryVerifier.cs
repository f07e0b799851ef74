using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Registry;

/// <summary>What verify found.</summary>
/// <param name="Diagnostics">Findings in log order; errors fail verify, infos (leftovers) do not.</param>
/// <param name="Events">Events read.</param>
/// <param name="Blobs">Blobs re-hashed.</param>
public sealed record VerifyReport(IReadOnlyList<MlDiagnostic> Diagnostics, long Events, int Blobs)
{
    /// <summary>True when nothing is missing or altered.</summary>
    public bool Ok => Diagnostics.All(d => d.Severity != MlSeverity.Error);
}

/// <summary>
/// Re-reads the whole registry: every event in sequence, the hash chain, the log's rules (replayed from scratch),
/// every blob re-hashed, signatures against the trusted keys, the head file and snapshots against the log, and every
/// promotion against the policy.
/// Beside concurrent writers it reads a consistent view: the head file first, then the snapshots, then the listing,
/// then every event by number (never trusting the listing alone): writers only ever add events in order, so whatever
/// the earlier reads named exists when the later reads look, and anything missing then was deleted.
/// </summary>
public static class RegistryVerifier
{
    /// <summary>
    /// Verifies a store; <paramref name="trust"/> enables signature checks (of events and the head file),
    /// <paramref name="policy"/> re-checks every promotion in the log.
    /// </summary>
    public static VerifyReport Verify(IRegistryStore store, TrustedKeys? trust = null, RegistryPolicy? policy = null)
    {
        var diags = new List<MlDiagnostic>();
        string Loc(string key) => store.Description.TrimEnd('/') + "/" + key;
        void Add(DiagnosticCode code, string message, string key) => diags.Add(EventLog.Diag(code, message, Loc(key)));

        if (!store.Exists())
        {
            diags.Add(EventLog.Diag(RegistryCodes.NoRegistry, $"No registry at '{store.Description}'."));
            return new VerifyReport(diags, 0, 0);
        }

        var head = ReadHead(store);
        var snapshots = ReadSnapshots(store, diags, Loc);
        var seqs = new SortedSet<long>();
        foreach (var key in store.List("events/"))
        {
            var name = key["events/".Length..];
            if (name.Length == 10 && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0) seqs.Add(s);
            else Add(RegistryCodes.EventMalformed, $"Unexpected file '{key}' in the event log: the log holds only ten-digit event numbers.", key);
        }
        var max = seqs.Count > 0 ? seqs.Max : 0;

        var state = new RegistryState();
        var registrants = new Dictionary<long, string>(); // register event -> its actor, for approvalsExclude
        string? prevDigest = null;
        var referenced = new Dictionary<string, string>(StringComparer.Ordinal); // digest -> what refers to it
        var digests = new Dictionary<long, string>();
        long events = 0, last = 0;
        // Up to the highest event the listing named, then on while writers keep appending.
        for (long seq = 1; ; seq++)
        {
            var key = EventLog.EventKey(seq);
            byte[]? bytes;
            try { bytes = store.Read(key); }
            catch (InvalidDataException ex)
            {
                Add(RegistryCodes.EventMalformed, $"Event {seq} is not an event file ({ex.Message}).", key);
                prevDigest = null;
                continue;
            }
            if (bytes is null)
            {
                if (seq > max) break;
                // Read after the listing (or head) named a later event: a writer creates event N only after N-1.
                Add(RegistryCodes.EventMissing, $"Event {seq} is missing from the log (events 1..{max} should all exist): it was deleted.", key);
                prevDigest = null;
                continue;
            }
            events++;
            last = seq;
            EventLog.ParsedEvent parsed;
            try { parsed = EventLog.Parse(bytes); }
            catch (FormatException ex)
            {
                Add(RegistryCodes.EventMalformed, $"Event {seq} cannot be parsed ({ex.Message}): it was altered or truncated.", key);
                prevDigest = null;
                continue;
            }
            var e = parsed.Event;
            digests[seq] = parsed.Digest;
            if (e.Seq != seq)
                Add(RegistryCodes.EventAltered, $"Event {seq} says it is event {e.Seq}: it was altered or moved.", key);
            if (seq > 1 && prevDigest is not null && e.Prev != prevDigest)
                Add(RegistryCodes.EventAltered,
                    $"Event {seq - 1} was altered: its content hashes to {prevDigest}, but event {seq} recorded {e.Prev ?? "(none)"} for it.", EventLog.EventKey(seq - 1));
            if (seq == 1 && e.Prev is not null)
                Add(RegistryCodes.EventAltered, "Event 1 names a previous event: the start of the log was altered.", key);
            if (trust is not null && trust.Check(parsed.Digest, parsed.Signature) is { } why)
                Add(RegistryCodes.SignatureInvalid, $"Event {seq} {why}.", key);

            if (e.Type == EventTypes.Register) registrants[seq] = e.Actor;
            if (policy is not null && e.Type == EventTypes.Promote && e.Alias is { } alias
                && state.Models.TryGetValue(e.Model, out var before) && before.Versions.TryGetValue(e.Version, out var version))
            {
                // The rules a promote command applies, applied again to the state the log had before the event.
                try { policy.Check(e.Model, e.Version, version, alias, e.Actor, registrants.GetValueOrDefault(version.Seq)); }
                catch (MlBuildException ex)
                {
                    Add(RegistryCodes.PolicyBroken, $"Event {seq} promotes {e.Model} {e.Version} to '{alias}', which the policy forbids: {ex.Diagnostic.Message}", key);
                }
            }
            try
            {
                // Chain breaks are reported above; replay the rules on the event's own terms.
                state.Seq = seq - 1;
                state.Head = e.Prev;
                state.Apply(e with { Seq = seq }, parsed.Digest);
            }
            catch (RegistryRuleException ex)
            {
                Add(RegistryCodes.InvariantBroken, $"The log breaks a registry rule: {ex.Message}.", key);
                state.Seq = seq;
                state.Head = parsed.Digest;
            }
            if (e.State is not null && EventLog.StateDigest(state.Models) is var replayed && replayed != e.State)
                Add(RegistryCodes.InvariantBroken, $"Event {seq} records the state digest {e.State}, but replaying the log gives {replayed}: it was altered.", key);
            if (e.Type == EventTypes.Register && (e.Evidence ?? []).Append(e.Artifact).All(f => f is null || EventLog.IsDigest(f.Digest)))
            {
                if (e.Artifact is not null) referenced.TryAdd(e.Artifact.Digest, $"model file of {e.Model} {e.Version} (event {seq})");
                foreach (var f in e.Evidence ?? []) referenced.TryAdd(f.Digest, $"evidence '{f.Path}' of {e.Model} {e.Version} (event {seq})");
            }
            if (snapshots.TryGetValue(seq, out var snap))
            {
                var expected = EventLog.Text(EventLog.SerializeState(state));
                if (expected != snap.Text)
                    Add(RegistryCodes.IndexMismatch, $"Snapshot at event {seq} disagrees with the log: it was altered. Delete it; it is only a cache.", EventLog.SnapshotKey(seq));
                snapshots.Remove(seq);
            }
            prevDigest = parsed.Digest;
        }
        foreach (var (seq, _) in snapshots)
            Add(RegistryCodes.IndexMismatch, $"Snapshot at event {seq} names an event the log does not have (the log ends at {last}): events were deleted.", EventLog.SnapshotKey(seq));

        CheckHead(head, max > 0 || last > 0, last, digests, trust, Add);

        var blobs = 0;
        foreach (var (digest, what) in referenced.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = EventLog.BlobKey(digest);
            using var stream = store.OpenRead(key);
            if (stream is null)
            {
                Add(RegistryCodes.BlobMissing, $"Blob {digest} ({what}) is missing.", key);
                continue;
            }
            blobs++;
            var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != digest)
                Add(RegistryCodes.BlobAltered, $"Blob {digest} ({what}) was altered: its content hashes to {actual}.", key);
        }

        var referencedKeys = referenced.Keys.Select(EventLog.BlobKey).ToHashSet(StringComparer.Ordinal);
        foreach (var key in store.ListBlobs().Where(k => !referencedKeys.Contains(k)).Order(StringComparer.Ordinal))
            Add(RegistryCodes.Leftovers, $"Blob '{key}' is not referred to by any event (left by an interrupted or refused register); it can be deleted.", key);

        foreach (var left in store.ListLeftovers().Order(StringComparer.Ordinal))
            Add(RegistryCodes.Leftovers, $"Temporary file '{left}' was left by an interrupted write; it is not part of the registry and can be deleted.", left);

        return new VerifyReport(diags, events, blobs);
    }

    private sealed record HeadFile(HeadRecord? Record, string? Problem)
    {
        public long Seq => Record?.Seq ?? 0;
    }

    // Read first of all: every event the head names was committed before it was written.
    private static HeadFile? ReadHead(IRegistryStore store)
    {
        byte[]? bytes;
        try { bytes = store.Read("head.json"); }
        catch (InvalidDataException ex) { return new HeadFile(null, $"The head file is not a file ({ex.Message}): it was altered."); }
        if (bytes is null) return null;
        HeadRecord? head;
        try { head = JsonSerializer.Deserialize(bytes, RegistryJson.Default.HeadRecord); }
        catch (JsonException) { head = null; }
        return head is null || head.Seq < 0 ? new HeadFile(null, "The head file cannot be parsed: it was altered.") : new HeadFile(head, null);
    }

    private static void CheckHead(HeadFile? file, bool hasEvents, long last, Dictionary<long, string> digests, TrustedKeys? trust,
        Action<DiagnosticCode, string, string> add)
    {
        if (file is null)
        {
            if (hasEvents) add(RegistryCodes.IndexMismatch, "The head file is missing: it was deleted.", "head.json");
            return;
        }
        if (file.Record is not { } head) { add(RegistryCodes.IndexMismatch, file.Problem!, "head.json"); return; }
        if (head.Seq > last)
            add(RegistryCodes.EventMissing, $"The head file records event {head.Seq}, but the log ends at event {last}: events {last + 1}..{head.Seq} were deleted.", EventLog.EventKey(head.Seq));
        else if (digests.TryGetValue(head.Seq, out var d) && d != head.Digest)
            add(RegistryCodes.EventAltered, $"Event {head.Seq} was altered: its content hashes to {d}, but the head file recorded {head.Digest}.", EventLog.EventKey(head.Seq));
        // Signed, the head says how far the log reached: cutting events off the end means forging it, or replaying
        // an older signed head (docs/security.md).
        if (trust is not null && EventLog.IsDigest(head.Digest)
            && trust.Check(EventLog.HeadDigest(head.Seq, head.Digest), head.Signature) is { } why)
            add(RegistryCodes.SignatureInvalid, $"The head file {why}: without a trusted signature on it, events cut off the end of the log would go unnoticed.", "head.json");
    }

    private static Dictionary<long, (string Text, string Key)> ReadSnapshots(IRegistryStore store, List<MlDiagnostic> diags, Func<string, string> loc)
    {
        var result = new Dictionary<long, (string, string)>();
        foreach (var key in store.List("snapshots/"))
        {
            byte[]? bytes;
            try { bytes = store.Read(key); }
            catch (InvalidDataException) { bytes = []; } // reported below as unparsable
            if (bytes is null) continue;
            RegistrySnapshot? snap = null;
            try { snap = JsonSerializer.Deserialize(bytes, RegistryJson.Default.RegistrySnapshot); }
            catch (JsonException) { }
            if (snap is null || key != EventLog.SnapshotKey(snap.Seq))
            {
                diags.Add(EventLog.Diag(RegistryCodes.IndexMismatch, $"Snapshot '{key}' cannot be parsed or is misnamed: it was altered. Delete it; it is only a cache.", loc(key)));
                continue;
            }
            // Compare re-serialised forms, so formatting alone never counts as a change.
            var normal = EventLog.Text(JsonSerializer.SerializeToUtf8Bytes(snap, RegistryJson.Default.RegistrySnapshot));
            result[snap.Seq] = (normal, key);
        }
        return result;
    }
}
