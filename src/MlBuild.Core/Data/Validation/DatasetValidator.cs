using MlBuild.Core.Data.Csv;
using MlBuild.Core.Data.Schema;
using MlBuild.Core.Diagnostics;
using Microsoft.Extensions.FileSystemGlobbing;

namespace MlBuild.Core.Data.Validation;

/// <summary>What to validate: a named dataset made of one or more files (paths or globs) and its schema.</summary>
/// <param name="Name">The dataset name used in reports.</param>
/// <param name="Files">Paths or globs (e.g. <c>data/part-*.parquet</c>) relative to <paramref name="BaseDirectory"/>, as the user wrote them.</param>
/// <param name="Schema">The schema.</param>
/// <param name="BaseDirectory">Where relative paths start.</param>
public sealed record DatasetRequest(string Name, IReadOnlyList<string> Files, DatasetSchema Schema, string BaseDirectory);

/// <summary>The engine's front: validates and profiles a dataset in one streaming pass per file.</summary>
public static class DatasetValidator
{
    /// <summary>Validates a dataset. Input problems (missing files, malformed CSV or Parquet) come back in <see cref="ValidationResult.InputErrors"/>.</summary>
    public static ValidationResult Validate(DatasetRequest request, ValidationOptions? options = null)
    {
        options ??= new ValidationOptions();
        var plan = new ValidationPlan(request.Schema);
        var checker = new BatchChecker(plan, options);
        var merger = new ValidationMerger(plan, options, checker);
        var files = new List<string>();
        var absent = new HashSet<int>(plan.Columns.Select(c => c.Index));
        try
        {
            foreach (var (full, display) in ResolveFiles(request))
            {
                files.Add(display);
                if (merger.Fatal is not null) break;
                var present = ValidateFile(full, display, plan, checker, merger, options);
                absent.IntersectWith(plan.Columns.Select(c => c.Index).Where(i => !present.Contains(i)));
            }
        }
        catch (MlBuildException ex)
        {
            merger.SetFatal(ex.Diagnostic);
        }
        return merger.Finish(request.Name, files, absent);
    }

    /// <summary>
    /// Expands globs and puts the dataset's files in one order: each file once (by full path), in ordinal order of the
    /// name as given. `dotnet ml data validate b.csv a.csv part-*.csv` and the build's items of one dataset (sent in any
    /// order) read the same files in the same order, so record numbers and "first occurrence" agree everywhere and do
    /// not depend on the file system's listing order.
    /// </summary>
    public static List<(string FullPath, string Display)> ResolveFiles(DatasetRequest request)
    {
        var seen = new HashSet<string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        return ExpandFiles(request).Where(f => seen.Add(f.FullPath)).OrderBy(f => f.Display, StringComparer.Ordinal).ToList();
    }

    static List<(string FullPath, string Display)> ExpandFiles(DatasetRequest request)
    {
        var result = new List<(string, string)>();
        foreach (var pattern in request.Files)
        {
            if (pattern.IndexOfAny(['*', '?', '[']) < 0)
            {
                var full = Path.GetFullPath(pattern, request.BaseDirectory);
                if (!File.Exists(full))
                    throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.DataFileNotFound, MlSeverity.Error,
                        Directory.Exists(full) ? $"'{pattern}' is a folder; name a data file or a glob such as '{pattern.TrimEnd('/')}/*.csv'." : $"Data file '{pattern}' was not found.",
                        pattern));
                result.Add((full, pattern));
                continue;
            }
            // Globs: split off the longest directory prefix without wildcards and match below it.
            var normalized = pattern.Replace('\\', '/');
            int firstWild = normalized.IndexOfAny(['*', '?', '[']);
            int slash = normalized.LastIndexOf('/', firstWild);
            var root = slash < 0 ? "" : normalized[..slash];
            var rest = slash < 0 ? normalized : normalized[(slash + 1)..];
            var rootFull = Path.GetFullPath(root.Length == 0 ? "." : root, request.BaseDirectory);
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(rest);
            var matches = Directory.Exists(rootFull)
                ? matcher.GetResultsInFullPath(rootFull).Order(StringComparer.Ordinal).ToList()
                : [];
            if (matches.Count == 0)
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.DataFileNotFound, MlSeverity.Error, $"No data file matches '{pattern}'.", pattern));
            foreach (var m in matches)
            {
                var rel = Path.GetRelativePath(rootFull, m).Replace('\\', '/');
                result.Add((m, root.Length == 0 ? rel : root + "/" + rel));
            }
        }
        return result;
    }

    /// <summary>Whether a data file is read as Parquet (by its extension), else as CSV.</summary>
    public static bool IsParquet(string path) =>
        path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".parq", StringComparison.OrdinalIgnoreCase);

    static HashSet<int> ValidateFile(string full, string display, ValidationPlan plan, BatchChecker checker, ValidationMerger merger, ValidationOptions options)
    {
        if (IsParquet(full))
            return ValidateParquet(full, display, plan, checker, merger, options);

        using var stream = OpenRead(full, display);
        var (names, dataOffset, dataLine) = CsvReader.ReadHeader(stream, display, plan.Schema.Csv, options);
        if (names is null)
            throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.EmptyFile, MlSeverity.Error,
                "The file is empty: expected a header row" + (plan.Schema.Csv.Header ? "" : " or records") + ".", display, 1, 0));
        int columns = names.Count;
        if (!plan.Schema.Csv.Header)
        {
            columns = plan.Columns.Length;
            for (int i = 0; i < plan.Columns.Length; i++) plan.Columns[i].DataPosition = i + 1;
        }
        else
        {
            var dup = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null)
                throw new MlBuildException(new MlDiagnostic(DiagnosticCodes.BadHeader, MlSeverity.Error,
                    $"The header names column '{dup.Key}' more than once; columns must have distinct names.", display, 1, names.LastIndexOf(dup.Key) + 1));
            MapColumns(names, display, plan, merger, (pos) => new DataLocation(display, 1, pos, 0, 0));
        }
        CsvReader.ReadRecords(stream, display, dataOffset, dataLine, columns, plan, checker, merger, options);
        return plan.Columns.Where(c => c.DataPosition > 0).Select(c => c.Index).ToHashSet();
    }

    static HashSet<int> ValidateParquet(string full, string display, ValidationPlan plan, BatchChecker checker, ValidationMerger merger, ValidationOptions options)
    {
        var names = Parquet.ParquetReader.ReadColumnNames(full, display);
        MapColumns(names, display, plan, merger, (pos) => new DataLocation(display, 0, pos, -1, 0));
        long records = merger.Records;
        // A profile pass needs every row's value: the per-entry checks of dictionary pages would leave them undecoded.
        Parquet.ParquetReader.Read(full, display, plan, checker, merger, options, ref records,
            options.BatchObserver is null ? Parquet.ParquetReadTuning.Default : Parquet.ParquetReadTuning.EveryValue);
        return plan.Columns.Where(c => c.DataPosition > 0).Select(c => c.Index).ToHashSet();
    }

    /// <summary>Matches data columns to schema columns by name; reports missing and extra columns per the schema's policies.</summary>
    internal static void MapColumns(IReadOnlyList<string> names, string display, ValidationPlan plan, ValidationMerger merger, Func<int, DataLocation> locate)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++) positions.TryAdd(names[i], i + 1);
        foreach (var p in plan.Columns)
        {
            p.DataPosition = positions.GetValueOrDefault(p.Schema.Name);
            if (p.DataPosition == 0 && p.Schema.Required && plan.Schema.MissingColumns != ColumnPolicy.Ignore)
                merger.FailDatasetCheck(plan.ColumnsCheck, locate(0), p.Schema.Name,
                    $"column '{p.Schema.Name}' is declared in the schema but missing from the data. Add it, or set \"required\": false");
        }
        var declared = plan.Columns.Select(c => c.Schema.Name).ToHashSet(StringComparer.Ordinal);
        if (plan.Schema.ExtraColumns == ColumnPolicy.Ignore) return;
        for (int i = 0; i < names.Count; i++)
            if (!declared.Contains(names[i]))
                merger.FailDatasetCheck(plan.ExtraColumnsCheck, locate(i + 1), names[i],
                    $"column '{names[i]}' is not declared in the schema. Declare it, or set \"extraColumns\": \"ignore\"");
    }

    static FileStream OpenRead(string full, string display)
    {
        try
        {
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MlBuildException(new MlDiagnostic(e is FileNotFoundException or DirectoryNotFoundException ? DiagnosticCodes.DataFileNotFound : DiagnosticCodes.DataFileUnreadable,
                MlSeverity.Error, $"Cannot read '{display}': {e.Message}", display));
        }
    }
}
