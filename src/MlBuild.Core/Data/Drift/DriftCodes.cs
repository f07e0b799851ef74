using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Data.Drift;

/// <summary>The MLB2xxx codes of profiles and drift, by the names this namespace uses (entries of <see cref="DiagnosticCodes"/>).</summary>
public static class DriftCodes
{
    /// <summary>A column drifted past its threshold under the dataset rule.</summary>
    public static readonly DiagnosticCode ColumnDrifted = DiagnosticCodes.ColumnDrifted;
    /// <summary>A reference column is missing from the current data.</summary>
    public static readonly DiagnosticCode ColumnMissing = DiagnosticCodes.DriftColumnMissing;
    /// <summary>A column's type changed: current values do not read as the reference type.</summary>
    public static readonly DiagnosticCode TypeChanged = DiagnosticCodes.DriftTypeChanged;
    /// <summary>Profiles that cannot be merged (other columns, types or limits).</summary>
    public static readonly DiagnosticCode ProfilesDoNotMerge = DiagnosticCodes.ProfilesDoNotMerge;
    /// <summary>A profile file that is not a valid profile (invalid JSON, truncated, hand-edited).</summary>
    public static readonly DiagnosticCode ProfileUnreadable = DiagnosticCodes.ProfileUnreadable;
    /// <summary>A profile written by a newer MlBuild (format version above the one this build reads).</summary>
    public static readonly DiagnosticCode ProfileTooNew = DiagnosticCodes.ProfileTooNew;
    /// <summary>The reference and the current data have no column in common.</summary>
    public static readonly DiagnosticCode NoCommonColumns = DiagnosticCodes.NoCommonColumns;
    /// <summary>The current (or reference) data has no rows.</summary>
    public static readonly DiagnosticCode EmptyData = DiagnosticCodes.DriftEmptyData;
    /// <summary>An invalid drift rule (unknown column, threshold out of range).</summary>
    public static readonly DiagnosticCode InvalidRule = DiagnosticCodes.InvalidDriftRule;
    /// <summary>A column that could not be compared (all null, or past the category limit).</summary>
    public static readonly DiagnosticCode ColumnNotCompared = DiagnosticCodes.ColumnNotCompared;
    /// <summary>A reference profile whose columns do not match the schema given with it.</summary>
    public static readonly DiagnosticCode ProfileOfAnotherSchema = DiagnosticCodes.ProfileOfAnotherSchema;
}
