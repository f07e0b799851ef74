using System.Runtime.CompilerServices;
using MlBuild.Core.Diagnostics;

[assembly: InternalsVisibleTo("MlBuild.Registry.Tests")]

namespace MlBuild.Core.Registry;

/// <summary>
/// The registry's diagnostic codes (MLB6000–MLB6999) and the exit code each one maps to.
/// Every code has a line in docs/diagnostics-registry.md.
/// </summary>
public static class RegistryCodes
{
    /// <summary>A model or alias name is not valid.</summary>
    public const string InvalidName = "MLB6001";
    /// <summary>A model reference (NAME, NAME@VERSION, NAME@ALIAS) is not valid.</summary>
    public const string InvalidReference = "MLB6002";
    /// <summary>The model file to register is missing or unreadable.</summary>
    public const string ModelFileMissing = "MLB6003";
    /// <summary>The evidence folder or one of its JSON files is missing or malformed.</summary>
    public const string EvidenceInvalid = "MLB6004";
    /// <summary>The registry has no model of that name.</summary>
    public const string UnknownModel = "MLB6005";
    /// <summary>The model has no such version.</summary>
    public const string UnknownVersion = "MLB6006";
    /// <summary>The alias is not set for that model.</summary>
    public const string UnknownAlias = "MLB6007";
    /// <summary>The registry folder or store does not exist.</summary>
    public const string NoRegistry = "MLB6008";
    /// <summary>Another writer moved the alias first: compare-and-swap lost.</summary>
    public const string AliasConflict = "MLB6010";
    /// <summary>The alias has no earlier holder to roll back to.</summary>
    public const string NothingToRollBack = "MLB6011";
    /// <summary>The log kept moving under this writer; it gave up after its retry budget.</summary>
    public const string Busy = "MLB6012";
    /// <summary>The version already holds the alias; nothing was recorded.</summary>
    public const string AlreadyHolds = "MLB6013";
    /// <summary>Policy: a required gate has not passed in the version's evidence.</summary>
    public const string PolicyGate = "MLB6020";
    /// <summary>Policy: the version never held the alias the policy requires first.</summary>
    public const string PolicyPreviousAlias = "MLB6021";
    /// <summary>Policy: not enough approvals.</summary>
    public const string PolicyApprovals = "MLB6022";
    /// <summary>The policy file is malformed.</summary>
    public const string PolicyInvalid = "MLB6023";
    /// <summary>Verify: an event is missing from the sequence.</summary>
    public const string EventMissing = "MLB6030";
    /// <summary>Verify: an event's content no longer matches the chain.</summary>
    public const string EventAltered = "MLB6031";
    /// <summary>Verify: an event file cannot be parsed.</summary>
    public const string EventMalformed = "MLB6032";
    /// <summary>Verify: a referenced blob is missing.</summary>
    public const string BlobMissing = "MLB6033";
    /// <summary>Verify: a blob's content does not hash to its name.</summary>
    public const string BlobAltered = "MLB6034";
    /// <summary>Verify: the log breaks a registry rule (version gap, duplicate, wrong alias holder).</summary>
    public const string InvariantBroken = "MLB6035";
    /// <summary>Verify: a snapshot or the head file disagrees with the log.</summary>
    public const string IndexMismatch = "MLB6036";
    /// <summary>Verify: a signature is missing, invalid or made by an untrusted key.</summary>
    public const string SignatureInvalid = "MLB6037";
    /// <summary>Verify: harmless leftovers of interrupted writes (temporary files, unreferenced blobs).</summary>
    public const string Leftovers = "MLB6038";
    /// <summary>The signing key cannot be read.</summary>
    public const string SigningKeyInvalid = "MLB6040";
    /// <summary>The trusted keys file is malformed.</summary>
    public const string TrustFileInvalid = "MLB6041";
    /// <summary>The deployment manifest has no reference to the model, or cannot be read or written.</summary>
    public const string ManifestInvalid = "MLB6050";
    /// <summary>Packaging failed.</summary>
    public const string PackageFailed = "MLB6060";
    /// <summary>An OCI registry refused or failed a request.</summary>
    public const string OciFailed = "MLB6061";
    /// <summary>A pulled or packaged artifact does not match its digest or signature.</summary>
    public const string PackageDigestMismatch = "MLB6062";
    /// <summary>The store failed (I/O, network, permissions).</summary>
    public const string StoreFailed = "MLB6070";
    /// <summary>The store configuration is incomplete (for example a missing connection string).</summary>
    public const string StoreConfigInvalid = "MLB6071";
    /// <summary>While reading the log, an event broke the chain: the registry needs <c>dotnet ml verify</c>.</summary>
    public const string LogCorrupt = "MLB6080";

    /// <summary>An unexpected failure inside a registry command (a bug): reported as one line, never a stack trace.</summary>
    public const string Internal = "MLB6099";

    /// <summary>
    /// The exit code for a registry diagnostic: refusals caused by the registry's state (conflicts, policy, verify
    /// findings) are <see cref="ExitCodes.ChecksFailed"/>; bad input and configuration are <see cref="ExitCodes.InvalidInput"/>.
    /// </summary>
    public static ExitCodes ExitCodeFor(string code) => code switch
    {
        AliasConflict or NothingToRollBack or Busy or PolicyGate or PolicyPreviousAlias or PolicyApprovals
            or EventMissing or EventAltered or EventMalformed or BlobMissing or BlobAltered or InvariantBroken
            or IndexMismatch or SignatureInvalid or PackageDigestMismatch or LogCorrupt => ExitCodes.ChecksFailed,
        AlreadyHolds or Leftovers => ExitCodes.Ok,
        _ => ExitCodes.InvalidInput,
    };

    /// <summary>A coded registry error for front doors to throw.</summary>
    public static MlBuildException Error(string code, string message, string? file = null) =>
        new(new MlDiagnostic(code, MlSeverity.Error, message, file));
}
