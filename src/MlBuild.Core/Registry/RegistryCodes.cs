using System.Runtime.CompilerServices;
using MlBuild.Core.Diagnostics;

[assembly: InternalsVisibleTo("MlBuild.Registry.Tests")]

namespace MlBuild.Core.Registry;

/// <summary>
/// The registry's diagnostic codes (MLB6xxx) under the names the registry code uses: each one is an entry of the one
/// table, <see cref="DiagnosticCodes"/>, which holds its title, kind and exit class (docs/diagnostics.md).
/// </summary>
public static class RegistryCodes
{
    /// <summary>A model or alias name is not valid.</summary>
    public static readonly DiagnosticCode InvalidName = DiagnosticCodes.InvalidName;
    /// <summary>A model reference (NAME, NAME@VERSION, NAME@ALIAS) is not valid.</summary>
    public static readonly DiagnosticCode InvalidReference = DiagnosticCodes.InvalidReference;
    /// <summary>The model file to register is missing or unreadable.</summary>
    public static readonly DiagnosticCode ModelFileMissing = DiagnosticCodes.ModelFileMissing;
    /// <summary>The evidence folder or one of its JSON files is missing or malformed.</summary>
    public static readonly DiagnosticCode EvidenceInvalid = DiagnosticCodes.EvidenceInvalid;
    /// <summary>The registry has no model of that name.</summary>
    public static readonly DiagnosticCode UnknownModel = DiagnosticCodes.UnknownModel;
    /// <summary>The model has no such version.</summary>
    public static readonly DiagnosticCode UnknownVersion = DiagnosticCodes.UnknownVersion;
    /// <summary>The alias is not set for that model.</summary>
    public static readonly DiagnosticCode UnknownAlias = DiagnosticCodes.UnknownAlias;
    /// <summary>The registry folder or store does not exist.</summary>
    public static readonly DiagnosticCode NoRegistry = DiagnosticCodes.NoRegistry;
    /// <summary>Another writer moved the alias first: compare-and-swap lost.</summary>
    public static readonly DiagnosticCode AliasConflict = DiagnosticCodes.AliasConflict;
    /// <summary>The alias has no earlier holder to roll back to.</summary>
    public static readonly DiagnosticCode NothingToRollBack = DiagnosticCodes.NothingToRollBack;
    /// <summary>The log kept moving under this writer; it gave up after its retry budget.</summary>
    public static readonly DiagnosticCode Busy = DiagnosticCodes.Busy;
    /// <summary>The version already holds the alias; nothing was recorded.</summary>
    public static readonly DiagnosticCode AlreadyHolds = DiagnosticCodes.AlreadyHolds;
    /// <summary>Policy: a required gate has not passed in the version's evidence.</summary>
    public static readonly DiagnosticCode PolicyGate = DiagnosticCodes.PolicyGate;
    /// <summary>Policy: the version never held the alias the policy requires first.</summary>
    public static readonly DiagnosticCode PolicyPreviousAlias = DiagnosticCodes.PolicyPreviousAlias;
    /// <summary>Policy: not enough approvals.</summary>
    public static readonly DiagnosticCode PolicyApprovals = DiagnosticCodes.PolicyApprovals;
    /// <summary>The policy file is malformed.</summary>
    public static readonly DiagnosticCode PolicyInvalid = DiagnosticCodes.PolicyInvalid;
    /// <summary>Verify: an event is missing from the sequence.</summary>
    public static readonly DiagnosticCode EventMissing = DiagnosticCodes.EventMissing;
    /// <summary>Verify: an event's content no longer matches the chain.</summary>
    public static readonly DiagnosticCode EventAltered = DiagnosticCodes.EventAltered;
    /// <summary>Verify: an event file cannot be parsed.</summary>
    public static readonly DiagnosticCode EventMalformed = DiagnosticCodes.EventMalformed;
    /// <summary>Verify: a referenced blob is missing.</summary>
    public static readonly DiagnosticCode BlobMissing = DiagnosticCodes.BlobMissing;
    /// <summary>Verify: a blob's content does not hash to its name.</summary>
    public static readonly DiagnosticCode BlobAltered = DiagnosticCodes.BlobAltered;
    /// <summary>Verify: the log breaks a registry rule (version gap, duplicate, wrong alias holder).</summary>
    public static readonly DiagnosticCode InvariantBroken = DiagnosticCodes.InvariantBroken;
    /// <summary>Verify: a snapshot or the head file disagrees with the log.</summary>
    public static readonly DiagnosticCode IndexMismatch = DiagnosticCodes.IndexMismatch;
    /// <summary>Verify: a signature is missing, invalid or made by an untrusted key.</summary>
    public static readonly DiagnosticCode SignatureInvalid = DiagnosticCodes.SignatureInvalid;
    /// <summary>Verify: harmless leftovers of interrupted writes (temporary files, unreferenced blobs).</summary>
    public static readonly DiagnosticCode Leftovers = DiagnosticCodes.Leftovers;
    /// <summary>Verify: a promotion in the log breaks the policy file.</summary>
    public static readonly DiagnosticCode PolicyBroken = DiagnosticCodes.PolicyBroken;
    /// <summary>The signing key cannot be read.</summary>
    public static readonly DiagnosticCode SigningKeyInvalid = DiagnosticCodes.SigningKeyInvalid;
    /// <summary>The trusted keys file is malformed.</summary>
    public static readonly DiagnosticCode TrustFileInvalid = DiagnosticCodes.TrustFileInvalid;
    /// <summary>The deployment manifest has no reference to the model, or cannot be read or written.</summary>
    public static readonly DiagnosticCode ManifestInvalid = DiagnosticCodes.ManifestInvalid;
    /// <summary>Packaging failed.</summary>
    public static readonly DiagnosticCode PackageFailed = DiagnosticCodes.PackageFailed;
    /// <summary>An OCI registry refused or failed a request.</summary>
    public static readonly DiagnosticCode OciFailed = DiagnosticCodes.OciFailed;
    /// <summary>A pulled or packaged artifact does not match its digest or signature.</summary>
    public static readonly DiagnosticCode PackageDigestMismatch = DiagnosticCodes.PackageDigestMismatch;
    /// <summary>The store failed (I/O, network, permissions).</summary>
    public static readonly DiagnosticCode StoreFailed = DiagnosticCodes.StoreFailed;
    /// <summary>The store configuration is incomplete (for example a missing connection string).</summary>
    public static readonly DiagnosticCode StoreConfigInvalid = DiagnosticCodes.StoreConfigInvalid;
    /// <summary>While reading the log, an event broke the chain: the registry needs <c>dotnet ml verify</c>.</summary>
    public static readonly DiagnosticCode LogCorrupt = DiagnosticCodes.LogCorrupt;

    /// <summary>A coded registry error for front doors to throw.</summary>
    public static MlBuildException Error(DiagnosticCode code, string message, string? file = null) =>
        new(new MlDiagnostic(code, MlSeverity.Error, message, file));
}
