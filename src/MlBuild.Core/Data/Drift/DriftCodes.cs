namespace MlBuild.Core.Data.Drift;

/// <summary>The MLB2xxx codes of profiles and drift (docs/diagnostics.md explains each).</summary>
public static class DriftCodes
{
    /// <summary>A column drifted past its threshold under the dataset rule.</summary>
    public const string ColumnDrifted = "MLB2001";
    /// <summary>A reference column is missing from the current data.</summary>
    public const string ColumnMissing = "MLB2002";
    /// <summary>A column's type changed: current values do not read as the reference type.</summary>
    public const string TypeChanged = "MLB2003";
    /// <summary>Profiles that cannot be merged (other columns, types or limits).</summary>
    public const string ProfilesDoNotMerge = "MLB2004";
    /// <summary>A profile file that is not a valid profile (invalid JSON, truncated, hand-edited).</summary>
    public const string ProfileUnreadable = "MLB2005";
    /// <summary>A profile written by a newer MlBuild (format version above the one this build reads).</summary>
    public const string ProfileTooNew = "MLB2006";
    /// <summary>The reference and the current data have no column in common.</summary>
    public const string NoCommonColumns = "MLB2007";
    /// <summary>The current (or reference) data has no rows.</summary>
    public const string EmptyData = "MLB2008";
    /// <summary>An invalid drift rule (unknown column, threshold out of range).</summary>
    public const string InvalidRule = "MLB2009";
    /// <summary>A column that could not be compared (all null, or past the category limit).</summary>
    public const string ColumnNotCompared = "MLB2010";
    /// <summary>A reference profile whose columns do not match the schema given with it.</summary>
    public const string ProfileOfAnotherSchema = "MLB2011";
}
